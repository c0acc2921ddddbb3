// `DbError` is neither a `std::error::Error` nor an actix error: the error names what it may be.
use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[derive(Debug)]
struct DbError;

#[user_loader]
async fn load_user(id: u64) -> Result<Option<User>, DbError> {
    Ok(Some(User { id }))
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
