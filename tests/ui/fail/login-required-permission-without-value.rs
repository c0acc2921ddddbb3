// `permission` names the permission; alone, or with a list, it is told how to write it.
use actix_web::{App, get};
use login_runtime::login_required;

#[get("/")]
#[login_required(permission)]
async fn index() -> &'static str {
    "a"
}

#[get("/b")]
#[login_required(permissions = "admin")]
async fn other() -> &'static str {
    "b"
}

fn main() {
    let _app = App::new().service(index).service(other);
}
