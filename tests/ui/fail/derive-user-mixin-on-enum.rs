use login_runtime::UserMixin;

#[derive(UserMixin)]
enum User {
    Admin { id: u64 },
    Member { id: u64 },
}

fn main() {}
