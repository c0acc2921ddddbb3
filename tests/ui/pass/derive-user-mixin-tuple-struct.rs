use login_runtime::{AnonymousUserMixin, UserMixin};

#[derive(UserMixin)]
#[user(anonymous = Guest)]
struct User(String, #[user(id)] u64, #[user(active)] bool);

#[derive(Default)]
struct Guest;

impl AnonymousUserMixin for Guest {}

fn main() {
    let user = User("ann".to_owned(), 42, true);
    assert_eq!(user.get_id(), "42");
    assert!(user.is_active() && user.is_authenticated() && !user.is_anonymous());
    assert_eq!(user.session_auth_hash(), None);
    let _name = &user.0;
    let inactive = User(String::new(), 1, false);
    assert!(!inactive.is_authenticated());
    let guest: <User as UserMixin>::Anonymous = Guest;
    assert!(guest.is_anonymous() && guest.get_id().is_none());
}
