use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

struct Db {
    users: Vec<User>,
}

#[user_loader]
async fn load_user(id: u64, db: Db) -> Option<User> {
    db.users.into_iter().find(|user| user.id == id)
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
