use actix_web::{App, get};
use login_runtime::login_required;

#[get("/settings")]
#[login_required(crate = "login runtime")]
async fn settings() -> &'static str {
    "only for logged-in users"
}

fn main() {
    let _app = App::new().service(settings);
}
