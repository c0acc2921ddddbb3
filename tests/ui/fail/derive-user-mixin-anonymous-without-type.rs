use login_runtime::UserMixin;

#[derive(UserMixin)]
#[user(anonymous)]
struct User {
    id: u64,
}

fn main() {}
