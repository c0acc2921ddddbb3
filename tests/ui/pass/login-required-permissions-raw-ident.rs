// A handler named with a raw identifier (found by review: the macro used to panic building the
// name of its permissions type).
#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, test, web};
use login_runtime::{LoginManager, Permission, UserMixin, login_required, user_loader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}
impl Permission for Role {}

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    #[user(permissions)]
    roles: Vec<Role>,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    let roles = if id == 1 { vec![Role::Admin] } else { vec![] };
    (id <= 2).then_some(User { id, roles })
}

#[login_required(permission = Role::Admin)]
async fn r#static() -> &'static str {
    "static files admin"
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/static-admin", web::get().to(r#static)),
    )
    .await;
    let admin = support::login(&app, "1").await;
    assert_eq!(support::get(&app, "/static-admin", Some(&admin)).await.0, 200);
    let other = support::login(&app, "2").await;
    assert_eq!(support::get(&app, "/static-admin", Some(&other)).await.0, 403);
}
