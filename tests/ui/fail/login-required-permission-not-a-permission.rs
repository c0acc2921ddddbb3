// A permission must be a type marked as one: the error is on the expression.
use actix_web::{App, get};
use login_runtime::login_required;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Colour {
    Red,
}

#[get("/")]
#[login_required(permission = Colour::Red)]
async fn index() -> &'static str {
    "red"
}

fn main() {
    let _app = App::new().service(index);
}
