use login_runtime::UserMixin;

struct AccountNumber(u64);

#[derive(UserMixin)]
struct User {
    id: AccountNumber,
}

fn main() {}
