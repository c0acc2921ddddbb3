use login_runtime::UserMixin;

#[derive(UserMixin)]
#[user(id)]
struct User {
    email: String,
}

fn main() {}
