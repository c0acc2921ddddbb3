use login_runtime::UserMixin;

#[derive(UserMixin)]
struct User {
    id: u64,
    #[user(activ)]
    enabled: bool,
}

fn main() {}
