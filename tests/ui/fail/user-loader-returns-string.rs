// A loader returns the user type, not a `String` (which no user loader can be implemented for).
use login_runtime::{UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<String> {
    Some(id.to_string())
}

fn main() {
    let _ = User { id: 1 };
}
