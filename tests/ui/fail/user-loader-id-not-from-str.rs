use std::fmt;

use actix_web::App;
use login_runtime::{LoginManager, UserMixin, user_loader};

/// Displays as `acct-7`, but cannot be parsed back.
#[derive(Clone, Copy, PartialEq)]
struct AccountId(u64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "acct-{}", self.0)
    }
}

#[derive(Clone, UserMixin)]
struct User {
    id: AccountId,
}

#[user_loader]
async fn load_user(id: AccountId) -> Option<User> {
    Some(User { id })
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new());
}
