use actix_web::{App, web};
use login_runtime::login_required;

struct Admin;

#[login_required]
impl Admin {
    async fn dashboard() -> &'static str {
        "admins only"
    }
}

fn main() {
    let _app = App::new().route("/admin", web::get().to(Admin::dashboard));
}
