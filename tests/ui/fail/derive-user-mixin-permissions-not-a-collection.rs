// `#[user(permissions)]` marks a collection of permissions.
use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    id: u64,
    #[user(permissions)]
    role: String,
}

fn main() {}
