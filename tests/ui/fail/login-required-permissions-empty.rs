// An empty permission list would require nothing: an error, not a silent no-op.
use actix_web::{App, get};
use login_runtime::login_required;

#[get("/")]
#[login_required(permissions())]
async fn index() -> &'static str {
    "nothing"
}

fn main() {
    let _app = App::new().service(index);
}
