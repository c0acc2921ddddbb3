use actix_web::App;
use login_runtime::{LoginManager, UserMixin};

#[derive(UserMixin)]
struct User {
    id: u64,
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
