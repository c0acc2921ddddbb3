use actix_web::{App, get};
use login_runtime::login_required;

#[get("/password")]
#[login_required(fresh, fresh)]
async fn change_password() -> &'static str {
    "only right after a password login"
}

fn main() {
    let _app = App::new().service(change_password);
}
