//! The user type, its loader, and an in-memory store of argon2id password hashes.

use actix_web::web;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use login_runtime::{UserMixin, user_loader};

/// A user of the demo. The session stores only `id`; the loader turns it back into a `User`.
#[derive(Debug, Clone, UserMixin)]
pub struct User {
    /// What the session stores.
    pub id: u64,
    /// What the login form asks for.
    pub username: String,
    /// What the pages greet.
    pub name: String,
}

/// A demo account, with its password in clear so the binary can print it.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    /// The user's id.
    pub id: u64,
    /// The login name.
    pub username: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The password; only its hash is kept at run time.
    pub password: &'static str,
}

/// The accounts the demo starts with.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        id: 1,
        username: "notch",
        name: "Notch",
        password: "minecraft",
    },
    DemoUser {
        id: 2,
        username: "steve",
        name: "Steve",
        password: "diamond",
    },
];

/// One stored account. Deliberately not `Debug`: the hash stays out of logs.
struct Account {
    user: User,
    /// A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    password_hash: String,
}

/// The in-memory user database.
pub struct UserStore {
    accounts: Vec<Account>,
    /// Verified against when the username is unknown, so an unknown name costs as much time as
    /// a wrong password and response times do not tell which usernames exist.
    dummy_hash: String,
}

impl std::fmt::Debug for UserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

/// Hashes `password` with argon2id (the crate's default parameters) and a fresh random salt.
fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default().hash_password(password.as_bytes(), &salt)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`; a malformed hash matches nothing.
fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

impl UserStore {
    /// A store holding `users`, each given with its clear-text password, which is hashed here.
    pub fn new<'a>(
        users: impl IntoIterator<Item = (User, &'a str)>,
    ) -> Result<Self, argon2::password_hash::Error> {
        let accounts = users
            .into_iter()
            .map(|(user, password)| {
                Ok(Account {
                    user,
                    password_hash: hash_password(password)?,
                })
            })
            .collect::<Result<_, argon2::password_hash::Error>>()?;
        Ok(Self {
            accounts,
            dummy_hash: hash_password("not the password of any account")?,
        })
    }

    /// A store holding [`DEMO_USERS`].
    pub fn demo() -> Result<Self, argon2::password_hash::Error> {
        Self::new(DEMO_USERS.iter().map(|demo| {
            let user = User {
                id: demo.id,
                username: demo.username.to_owned(),
                name: demo.name.to_owned(),
            };
            (user, demo.password)
        }))
    }

    /// The user with this id.
    pub fn get(&self, id: u64) -> Option<User> {
        self.accounts
            .iter()
            .find(|account| account.user.id == id)
            .map(|account| account.user.clone())
    }

    /// The user these credentials belong to, or `None` for a wrong username or password.
    ///
    /// Always runs one argon2 verification (against a dummy hash for an unknown username), so
    /// both failures take about as long. It is CPU-bound for tens of milliseconds: call it from
    /// `web::block`, not on the async worker.
    pub fn check_credentials(&self, username: &str, password: &str) -> Option<User> {
        let account = self
            .accounts
            .iter()
            .find(|account| account.user.username == username);
        let hash = account.map_or(&self.dummy_hash, |account| &account.password_hash);
        let matches = verify_password(hash, password);
        account
            .filter(|_| matches)
            .map(|account| account.user.clone())
    }
}

/// Turns the id the session stores back into a user; `None` makes the request anonymous.
#[user_loader]
pub async fn load_user(id: u64, store: web::Data<UserStore>) -> Option<User> {
    store.get(id)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_stored_as_salted_argon2id_hashes() {
        let store = UserStore::demo().expect("hashing the demo passwords");
        let hashes: Vec<&str> = store
            .accounts
            .iter()
            .map(|account| account.password_hash.as_str())
            .collect();
        assert_eq!(hashes.len(), DEMO_USERS.len());
        for (hash, demo) in hashes.iter().zip(DEMO_USERS) {
            assert!(hash.starts_with("$argon2id$"), "{hash}");
            assert!(!hash.contains(demo.password));
        }
        // Same password, fresh salt: a different hash each time.
        assert_ne!(
            hash_password("minecraft").expect("hashing"),
            hash_password("minecraft").expect("hashing")
        );
    }

    #[test]
    fn credentials_check_needs_both_parts_right() {
        let store = UserStore::demo().expect("hashing the demo passwords");
        assert_eq!(
            store.check_credentials("notch", "minecraft").map(|u| u.id),
            Some(1)
        );
        assert_eq!(
            store.check_credentials("steve", "diamond").map(|u| u.id),
            Some(2)
        );
        assert!(store.check_credentials("notch", "diamond").is_none());
        assert!(store.check_credentials("Notch", "minecraft").is_none());
        assert!(store.check_credentials("nobody", "minecraft").is_none());
        assert!(
            store
                .check_credentials("nobody", "not the password of any account")
                .is_none()
        );
    }
}
