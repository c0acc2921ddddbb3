use actix_web::{App, web};
use login_runtime::{Authenticated, UserMixin};

#[derive(UserMixin)]
struct User {
    id: u64,
}

async fn index(user: Authenticated<User>) -> String {
    user.id.to_string()
}

fn main() {
    let _app = App::new().route("/", web::get().to(index));
}
