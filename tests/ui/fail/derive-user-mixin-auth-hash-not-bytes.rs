use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    id: u64,
    #[user(auth_hash)]
    password_changed_at: u64,
}

fn main() {}
