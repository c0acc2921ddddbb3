use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    id: u64,
    #[user(active)]
    status: String,
}

fn main() {}
