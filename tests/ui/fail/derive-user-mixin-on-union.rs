use login_runtime::UserMixin;

#[derive(UserMixin)]
union User {
    id: u64,
    name: std::mem::ManuallyDrop<String>,
}

fn main() {}
