use std::fmt::Display;
use std::marker::PhantomData;

use login_runtime::{AnonymousUser, AnonymousUserMixin, UserMixin};

/// Generic over the id and over a marker, with a where-clause.
#[derive(UserMixin)]
struct Account<Id, Role>
where
    Role: Send,
{
    id: Id,
    #[user(active)]
    enabled: bool,
    #[user(auth_hash)]
    password_hash: Vec<u8>,
    role: PhantomData<Role>,
}

struct Admin;

fn id_of<U: UserMixin>(user: &U) -> String {
    user.get_id()
}

fn check<Id: Display + 'static>(id: Id, expected: &str) {
    let account = Account::<Id, Admin> {
        id,
        enabled: false,
        password_hash: b"hash".to_vec(),
        role: PhantomData,
    };
    assert_eq!(id_of(&account), expected);
    assert!(!account.is_active());
    assert!(!account.is_authenticated());
    assert_eq!(account.session_auth_hash().as_deref(), Some(&b"hash"[..]));
    let anonymous: <Account<Id, Admin> as UserMixin>::Anonymous = AnonymousUser;
    assert!(anonymous.is_anonymous());
}

fn main() {
    check(7_u64, "7");
    check("ann".to_owned(), "ann");
}
