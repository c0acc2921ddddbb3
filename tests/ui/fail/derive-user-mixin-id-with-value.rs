use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    #[user(id = true)]
    email: String,
}

fn main() {}
