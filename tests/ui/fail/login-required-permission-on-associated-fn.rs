// Known limitation (tutorial, "Permissions"): `permission = ..` writes a type beside the handler,
// and an `impl` block cannot hold one, so on an associated fn it does not compile; wrap the
// route in `RequireLogin::new().permission(..)` instead. Plain `#[login_required]` works there
// (ui/pass/login-required-associated-fn.rs).
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

struct Pages;

impl Pages {
    #[login_required(permission = Role::Admin)]
    async fn admin() -> &'static str {
        "admin"
    }
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/admin", web::get().to(Pages::admin)),
    )
    .await;
    let admin = support::login(&app, "1").await;
    assert_eq!(support::get(&app, "/admin", Some(&admin)).await.0, 200);
    let other = support::login(&app, "2").await;
    assert_eq!(support::get(&app, "/admin", Some(&other)).await.0, 403);
}
