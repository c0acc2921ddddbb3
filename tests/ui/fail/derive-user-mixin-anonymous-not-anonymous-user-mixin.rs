use login_runtime::UserMixin;

#[derive(Default)]
struct Guest;

#[derive(UserMixin)]
#[user(anonymous = Guest)]
struct User {
    id: u64,
}

fn main() {}
