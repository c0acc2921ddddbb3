// A handler generic over its user type: the compile-time check that names the user type is
// left out (it would sit outside the fn, where `U` is not in scope), and the guard still checks
// at run time (found by review).
#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, test, web};
use login_runtime::{
    CurrentUser, LoginManager, Permission, UserLoader, UserMixin, UserPermissions,
    login_required, user_loader,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}
impl Permission for Role {}

#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
    #[user(permissions)]
    roles: Vec<Role>,
}

#[user_loader]
async fn load_staff(id: u64) -> Option<Staff> {
    let roles = if id == 1 { vec![Role::Admin] } else { vec![] };
    (id <= 2).then_some(Staff { id, roles })
}

#[login_required(permission = Role::Admin)]
async fn admin<U>(user: CurrentUser<U>) -> String
where
    U: UserLoader + UserPermissions<Permission = Role>,
{
    format!("admin {:?}", user.get_id())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<Staff>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<Staff>))
            .route("/admin", web::get().to(admin::<Staff>)),
    )
    .await;
    let admin = support::login(&app, "1").await;
    assert_eq!(support::get(&app, "/admin", Some(&admin)).await.0, 200);
    let other = support::login(&app, "2").await;
    assert_eq!(support::get(&app, "/admin", Some(&other)).await.0, 403);
}
