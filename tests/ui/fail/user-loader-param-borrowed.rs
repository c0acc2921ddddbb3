// Shared state is reached through `web::Data<Db>`, not a borrow the request cannot lend.
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
async fn load_user(id: u64, db: &Db) -> Option<User> {
    db.users.iter().find(|user| user.id == id).cloned()
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
