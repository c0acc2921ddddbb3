#[path = "../support/mod.rs"]
mod support;

use std::collections::HashMap;

use actix_web::{App, HttpRequest, error, get, test, web};
use login_runtime::{CurrentUser, LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    #[user(id)]
    name: String,
    seen_at: String,
}

struct Db {
    users: HashMap<String, ()>,
    down: bool,
}

// Extractors after the id, and a `Result` whose error converts into `actix_web::Error`.
#[user_loader]
async fn load_user(
    name: String,
    req: HttpRequest,
    db: web::Data<Db>,
) -> Result<Option<User>, error::Error> {
    if db.down {
        return Err(error::ErrorServiceUnavailable("db down"));
    }
    Ok(db.users.get(&name).map(|()| User {
        name: name.clone(),
        seen_at: req.path().to_owned(),
    }))
}

#[get("/me")]
async fn me(user: CurrentUser<User>) -> String {
    user.user().map_or_else(
        || "stranger".to_owned(),
        |user| format!("{} at {}", user.name, user.seen_at),
    )
}

#[actix_web::main]
async fn main() {
    let users = HashMap::from([("ann".to_owned(), ())]);
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Db { users, down: false }))
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(me),
    )
    .await;
    assert_eq!(support::get(&app, "/me", None).await.1, "stranger");
    let cookie = support::login(&app, "ann").await;
    assert_eq!(
        support::get(&app, "/me", Some(&cookie)).await.1,
        "ann at /me"
    );
}
