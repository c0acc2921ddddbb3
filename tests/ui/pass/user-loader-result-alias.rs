#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, test, web};
use login_runtime::{CurrentUser, LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: i64,
}

// `io::Result<T>` names no error type; `std::io::Error` converts into `actix_web::Error`.
#[user_loader]
async fn load_user(id: i64) -> std::io::Result<Option<User>> {
    match id {
        -1 => Err(std::io::Error::other("store offline")),
        id => Ok(Some(User { id })),
    }
}

async fn me(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/me", web::get().to(me)),
    )
    .await;
    assert_eq!(support::get(&app, "/me", None).await.1, "None");
    let cookie = support::login(&app, "-7").await;
    assert_eq!(
        support::get(&app, "/me", Some(&cookie)).await.1,
        "Some(\"-7\")"
    );
}
