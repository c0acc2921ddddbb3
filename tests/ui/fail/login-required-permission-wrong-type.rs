// The user's permissions are `Role`s; a `Colour` (a permission type, but another one) is a
// compile error where the handler names the user type.
use actix_web::{App, get};
use login_runtime::{CurrentUser, Permission, UserMixin, login_required, user_loader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}
impl Permission for Role {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Colour {
    Red,
}
impl Permission for Colour {}

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    #[user(permissions)]
    roles: Vec<Role>,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id, roles: vec![Role::Admin] })
}

#[get("/")]
#[login_required(permission = Colour::Red)]
async fn index(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

fn main() {
    let _app = App::new().service(index);
}
