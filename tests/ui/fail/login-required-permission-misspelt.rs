// A typed permission that does not exist is a compile error, not a 403 at run time.
use actix_web::{App, get};
use login_runtime::{Permission, login_required};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}
impl Permission for Role {}

#[get("/")]
#[login_required(permission = Role::Admn)]
async fn index() -> &'static str {
    "admin"
}

fn main() {
    let _app = App::new().service(index);
}
