//! `crate = ".."` on every macro: the generated code reaches the runtime through the given
//! path. Here that is a module re-exporting it, as a renamed dependency would be seen.
#[path = "../support/mod.rs"]
mod support;

mod auth {
    pub use login_runtime::*;
}

use actix_web::{App, HttpRequest, get, test, web};
use auth::{LoginManager, UserMixin, login_required, request_loader, user_loader};

#[derive(Clone, UserMixin)]
#[user(crate = "crate::auth")]
struct User {
    id: u64,
}

#[user_loader(crate = "crate::auth")]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

#[request_loader(crate = "crate::auth")]
async fn from_api_key(req: HttpRequest) -> Option<User> {
    (req.headers().get("x-api-key")?.as_bytes() == b"k1").then_some(User { id: 1 })
}

#[get("/settings")]
#[login_required(crate = "crate::auth")]
async fn settings() -> &'static str {
    "settings"
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new().request_loader())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(settings),
    )
    .await;
    assert_eq!(support::get(&app, "/settings", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    assert_eq!(
        support::get(&app, "/settings", Some(&cookie)).await.1,
        "settings"
    );
    let req = test::TestRequest::get()
        .uri("/settings")
        .insert_header(("x-api-key", "k1"));
    assert_eq!(support::send(&app, req, None).await.0, 200);
}
