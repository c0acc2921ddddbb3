// A handler that names its user type requires a permission of a user type that has none.
use actix_web::{App, get};
use login_runtime::{CurrentUser, Permission, UserMixin, login_required, user_loader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}
impl Permission for Role {}

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

#[get("/")]
#[login_required(permission = Role::Admin)]
async fn index(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

fn main() {
    let _app = App::new().service(index);
}
