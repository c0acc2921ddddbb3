#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, get, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

// `#[login_required]` expands first and leaves `#[get]` on the rewritten fn.
#[login_required]
#[get("/settings/{section}")]
async fn settings(section: web::Path<String>) -> String {
    format!("settings: {section}")
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new().login_view("/login"))
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(settings),
    )
    .await;
    let (status, _) = support::get(&app, "/settings/theme", None).await;
    assert_eq!(status, 302, "anonymous: sent to the login view");
    let cookie = support::login(&app, "1").await;
    let (status, body) = support::get(&app, "/settings/theme", Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "settings: theme"));
}
