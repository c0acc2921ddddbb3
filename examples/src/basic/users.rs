//! The user type, its loader, and an in-memory store of argon2id password hashes.

use std::sync::{PoisonError, RwLock};

use actix_web::web;
use login_runtime::password::{PasswordError, Passwords, Verified};
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
    /// A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. A login replaces it when
    /// it was made with other parameters than the store's.
    password_hash: RwLock<String>,
}

impl Account {
    fn password_hash(&self) -> String {
        // Nothing panics while holding the lock; if something did, the string is still whole.
        self.password_hash
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_password_hash(&self, hash: String) {
        *self
            .password_hash
            .write()
            .unwrap_or_else(PoisonError::into_inner) = hash;
    }
}

/// The in-memory user database.
pub struct UserStore {
    accounts: Vec<Account>,
    /// Hashes and verifies on actix's blocking thread pool, and verifies an unknown username
    /// against a dummy hash, so response times do not tell which usernames exist.
    passwords: Passwords,
}

impl std::fmt::Debug for UserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.accounts.len())
            .field("passwords", &self.passwords)
            .finish_non_exhaustive()
    }
}

impl UserStore {
    /// A store holding `users`, each given with its clear-text password, which is hashed here
    /// with `passwords`. It blocks while it hashes: call it before the server starts.
    pub fn new<'a>(
        users: impl IntoIterator<Item = (User, &'a str)>,
        passwords: Passwords,
    ) -> Result<Self, PasswordError> {
        let accounts = users
            .into_iter()
            .map(|(user, password)| {
                Ok(Account {
                    user,
                    password_hash: RwLock::new(passwords.hash_blocking(password)?),
                })
            })
            .collect::<Result<_, PasswordError>>()?;
        Ok(Self {
            accounts,
            passwords,
        })
    }

    /// A store holding [`DEMO_USERS`], hashed with the OWASP parameters.
    pub fn demo() -> Result<Self, PasswordError> {
        let users = DEMO_USERS.iter().map(|demo| {
            let user = User {
                id: demo.id,
                username: demo.username.to_owned(),
                name: demo.name.to_owned(),
            };
            (user, demo.password)
        });
        Self::new(users, Passwords::new())
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
    /// both failures take about as long, on actix's blocking thread pool rather than the async
    /// worker. A right password whose hash was made with other parameters is hashed again, and
    /// the new hash stored. `Err` is a stored hash that cannot be verified, a `500`.
    pub async fn check_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, PasswordError> {
        let account = self
            .accounts
            .iter()
            .find(|account| account.user.username == username);
        let stored = account.map(Account::password_hash);
        match (
            self.passwords.verify(password, stored.as_deref()).await?,
            account,
        ) {
            (Verified::Match { needs_rehash }, Some(account)) => {
                if needs_rehash {
                    // The one moment the password is at hand: upgrade its hash now.
                    account.set_password_hash(self.passwords.hash(password).await?);
                }
                Ok(Some(account.user.clone()))
            }
            _ => Ok(None),
        }
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
    use login_runtime::password::Params;

    use super::*;

    #[test]
    fn passwords_are_stored_as_salted_argon2id_hashes() {
        let store = UserStore::demo().expect("hashing the demo passwords");
        let hashes: Vec<String> = store.accounts.iter().map(Account::password_hash).collect();
        assert_eq!(hashes.len(), DEMO_USERS.len());
        for (hash, demo) in hashes.iter().zip(DEMO_USERS) {
            assert!(
                hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
                "{hash}"
            );
            assert!(!hash.contains(demo.password));
        }
        // Same password, fresh salt: a different hash each time.
        assert_ne!(
            store.passwords.hash_blocking("minecraft").expect("hashing"),
            store.passwords.hash_blocking("minecraft").expect("hashing")
        );
    }

    #[actix_rt::test]
    async fn credentials_check_needs_both_parts_right() {
        let store = UserStore::demo().expect("hashing the demo passwords");
        let check = async |username: &str, password: &str| {
            let found = store.check_credentials(username, password).await;
            found.expect("the demo hashes verify").map(|user| user.id)
        };
        assert_eq!(check("notch", "minecraft").await, Some(1));
        assert_eq!(check("steve", "diamond").await, Some(2));
        assert_eq!(check("notch", "diamond").await, None);
        assert_eq!(check("Notch", "minecraft").await, None);
        assert_eq!(check("nobody", "minecraft").await, None);
        assert_eq!(
            check("nobody", "not the password of any account").await,
            None
        );
    }

    #[actix_rt::test]
    async fn a_login_upgrades_a_hash_made_with_other_parameters() {
        let light = Params::new(64, 1, 1, None).expect("valid parameters");
        let users = DEMO_USERS.iter().map(|demo| {
            let user = User {
                id: demo.id,
                username: demo.username.to_owned(),
                name: demo.name.to_owned(),
            };
            (user, demo.password)
        });
        let mut store =
            UserStore::new(users, Passwords::with_params(light)).expect("hashing the passwords");
        // The app moves on to the OWASP parameters; the stored hashes are still the old ones.
        store.passwords = Passwords::new();
        let notch = &store.accounts[0];
        let old = notch.password_hash();

        let found = store.check_credentials("notch", "diamond").await;
        assert!(found.expect("verifies").is_none());
        assert_eq!(
            notch.password_hash(),
            old,
            "a wrong password changes nothing"
        );

        let found = store.check_credentials("notch", "minecraft").await;
        assert_eq!(found.expect("verifies").map(|user| user.id), Some(1));
        let new = notch.password_hash();
        assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
        assert!(!store.passwords.needs_rehash(&new));

        // The new hash logs in too, and stays.
        let found = store.check_credentials("notch", "minecraft").await;
        assert_eq!(found.expect("verifies").map(|user| user.id), Some(1));
        assert_eq!(notch.password_hash(), new);
    }
}
