use login_runtime::{UserMixin, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

struct Users;

impl Users {
    #[user_loader]
    async fn load_user(id: u64) -> Option<User> {
        Some(User { id })
    }
}

fn main() {}
