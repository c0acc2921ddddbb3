// A loader returns the user by value; the borrow is reported once, and `User` still has a
// loader elsewhere (`LoginManager::<User>` does not add an error).
use actix_web::{App, web};
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64, users: web::Data<Vec<User>>) -> Option<&User> {
    let _ = (id, users);
    None
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
