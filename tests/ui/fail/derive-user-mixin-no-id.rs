use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    email: String,
    name: String,
}

fn main() {}
