// A second id after the first: a user loader takes exactly one; the rest are extractors.
use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    tenant: u64,
}

#[user_loader]
async fn load_user(id: u64, tenant: u64) -> Option<User> {
    Some(User { id, tenant })
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
