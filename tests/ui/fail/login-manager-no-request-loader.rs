use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new().request_loader());
}
