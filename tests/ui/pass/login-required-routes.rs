#[path = "../support/mod.rs"]
mod support;

use actix_web::test::TestRequest;
use actix_web::{App, routes, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

#[login_required]
#[routes]
#[get("/profile")]
#[post("/profile")]
async fn profile() -> &'static str {
    "profile"
}

#[routes]
#[get("/feed")]
#[post("/feed")]
#[login_required(fresh)]
async fn feed(body: String) -> String {
    format!("feed {}", body.len())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(profile)
            .service(feed),
    )
    .await;
    for uri in ["/profile", "/feed"] {
        let (status, _) = support::send(&app, TestRequest::post().uri(uri), None).await;
        assert_eq!(status, 401, "anonymous POST {uri}");
    }
    let cookie = support::login(&app, "1").await;
    let (status, body) = support::get(&app, "/profile", Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "profile"));
    let req = TestRequest::post().uri("/feed").set_payload("hello");
    let (status, body) = support::send(&app, req, Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "feed 5"));
}
