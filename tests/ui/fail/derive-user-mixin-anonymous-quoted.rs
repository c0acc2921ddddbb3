use login_runtime::{AnonymousUserMixin, UserMixin};

#[derive(Default)]
struct Guest;

impl AnonymousUserMixin for Guest {}

#[derive(UserMixin)]
#[user(anonymous = "Guest")]
struct User {
    id: u64,
}

fn main() {}
