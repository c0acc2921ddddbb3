use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User(String, u64);

fn main() {}
