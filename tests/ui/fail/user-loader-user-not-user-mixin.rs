use login_runtime::user_loader;

#[derive(Clone)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

fn main() {}
