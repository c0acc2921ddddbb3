use actix_web::{App, get};
use login_runtime::{CurrentUser, UserMixin};

#[derive(UserMixin)]
struct User {
    id: u64,
}

#[get("/")]
async fn index(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

fn main() {
    let _app = App::new().service(index);
}
