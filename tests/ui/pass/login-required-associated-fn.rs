#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, HttpRequest, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

struct Pages;

impl Pages {
    #[login_required]
    async fn settings(req: HttpRequest) -> String {
        format!("settings at {}", req.path())
    }

    #[login_required(fresh)]
    pub async fn password() -> &'static str {
        "password"
    }
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/settings", web::get().to(Pages::settings))
            .route("/password", web::to(Pages::password)),
    )
    .await;
    assert_eq!(support::get(&app, "/settings", None).await.0, 401);
    assert_eq!(support::get(&app, "/password", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    let (status, body) = support::get(&app, "/settings", Some(&cookie)).await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, "settings at /settings")
    );
    let (status, body) = support::get(&app, "/password", Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "password"));
}
