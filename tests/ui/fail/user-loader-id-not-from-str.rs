use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, Copy, PartialEq)]
struct UserId(u64);

#[derive(Clone, UserMixin)]
struct User {
    #[user(id)]
    number: u64,
}

#[user_loader]
async fn load_user(id: UserId) -> Option<User> {
    Some(User { number: id.0 })
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
