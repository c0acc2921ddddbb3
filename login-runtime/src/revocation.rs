//! Revocable logins: what makes a logout final with every session store.
//!
//! A copy of a session cookie taken before logout still holds the login record when the store
//! keeps sessions in the cookie, and a copy of the remember cookie always does. So each login
//! carries a random login id, and logout records that id here; every request that restores a
//! login asks this store first. "Log out everywhere" records one entry per user instead: every
//! login of that user authenticated before a point in time.
//!
//! Entries need to live only as long as the longest-lived login they could match: after that,
//! the login has expired anyway (absolute timeout, remember-cookie expiry). Both stores drop
//! them then, so memory is bounded by the logouts of one login lifetime.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

pub use crate::login_record::LoginRef;
use crate::login_record::{auth_clock, unix_now};

/// What a [`RevocationStore`] returns: a boxed future, so the store can be a trait object.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>>;

/// A revocation store could not answer. Requests that need it fail closed: `503 Service
/// Unavailable`, never a login that might have been revoked, never a logout reported done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the revocation store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Where revoked logins are recorded.
///
/// The default is [`MemoryRevocations`], shared by every manager in the process; several app
/// instances need a shared store, such as `RedisRevocations` (feature `redis`).
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes one login until `until` (Unix seconds), after which it has expired anyway.
    fn revoke_login<'a>(&'a self, login: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()>;

    /// Revokes every login of `user_id` in `namespace` authenticated strictly before `before`
    /// (Unix microseconds, as [`LoginRef::issued_at`]), until `until` (Unix seconds).
    fn revoke_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()>;

    /// Whether `login` has been revoked, by its own id or by a revocation of its user.
    fn is_revoked<'a>(&'a self, login: LoginRef<'a>) -> StoreFuture<'a, bool>;

    /// The answer of [`is_revoked`](Self::is_revoked) when the store has it at hand without
    /// waiting (an in-process store always does); `None`, the default, means "ask
    /// `is_revoked`". Every request of a logged-in user asks this first, so a store that can
    /// answer at once spares each of them a boxed future and a timer.
    fn is_revoked_now(&self, login: LoginRef<'_>) -> Option<bool> {
        let _ = login;
        None
    }
}

/// The in-process store: the default, right for a single app instance (all its workers share
/// it).
///
/// Bounded: expired entries are dropped as new ones arrive, and at `capacity` live login
/// revocations a new one is widened to "every login of this user so far" (one entry per user),
/// which still ends the login. Only when the per-user entries are also at capacity does a
/// revocation fail, and then the logout reports the failure rather than pretending.
#[derive(Debug)]
pub struct MemoryRevocations {
    entries: Mutex<Entries>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Entries {
    /// Login id → until.
    logins: HashMap<String, u64>,
    /// Namespace → user id → (revoked at or before, until).
    users: HashMap<String, HashMap<String, (u64, u64)>>,
    user_count: usize,
}

/// Room for a million live revocations of each kind: about 100 MB at worst, far more logouts
/// than one instance serves in a login lifetime.
const DEFAULT_CAPACITY: usize = 1_000_000;

impl Default for MemoryRevocations {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl MemoryRevocations {
    /// A store that keeps at most `capacity` live entries of each kind.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
        }
    }

    /// The store every manager without its own shares, so that all workers of a process see
    /// each other's logouts even when each worker builds its own `LoginManager`.
    pub(crate) fn shared() -> Arc<dyn RevocationStore> {
        static SHARED: OnceLock<Arc<MemoryRevocations>> = OnceLock::new();
        let store = SHARED.get_or_init(|| Arc::new(Self::default()));
        Arc::clone(store) as Arc<dyn RevocationStore>
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic elsewhere while holding the lock leaves the maps consistent (every update is
        // one insert), so the data is still good.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn revoke_user_now(
        &self,
        entries: &mut Entries,
        namespace: &str,
        user_id: &str,
        before: u64,
        until: u64,
    ) -> Result<(), StoreError> {
        let now = unix_now();
        let known = entries
            .users
            .get(namespace)
            .is_some_and(|users| users.contains_key(user_id));
        if !known && entries.user_count >= self.capacity {
            entries.expire_users(now);
            if entries.user_count >= self.capacity {
                return Err(StoreError(format!(
                    "{} users' revocations are live, the store's capacity",
                    self.capacity
                )));
            }
        }
        let users = entries.users.entry(namespace.to_owned()).or_default();
        let entry = users.entry(user_id.to_owned()).or_insert((0, 0));
        if !known {
            entries.user_count += 1;
        }
        // Widen, never narrow: a later, shorter revocation must not shorten an earlier one.
        *entry = (entry.0.max(before), entry.1.max(until));
        Ok(())
    }
}

impl Entries {
    fn expire_logins(&mut self, now: u64) {
        self.logins.retain(|_, until| *until > now);
    }

    fn expire_users(&mut self, now: u64) {
        for users in self.users.values_mut() {
            users.retain(|_, (_, until)| *until > now);
        }
        self.users.retain(|_, users| !users.is_empty());
        self.user_count = self.users.values().map(HashMap::len).sum();
    }
}

impl RevocationStore for MemoryRevocations {
    fn revoke_login<'a>(&'a self, login: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()> {
        let result = (|| {
            let mut entries = self.lock();
            if entries.logins.len() >= self.capacity {
                entries.expire_logins(unix_now());
            }
            if entries.logins.len() < self.capacity {
                let slot = entries.logins.entry(login.login_id.to_owned()).or_insert(0);
                *slot = (*slot).max(until);
                return Ok(());
            }
            // Full: end every login of this user made so far, which includes this one.
            let before = login.issued_at.saturating_add(1).max(auth_clock());
            self.revoke_user_now(&mut entries, login.namespace, login.user_id, before, until)
        })();
        Box::pin(std::future::ready(result))
    }

    fn revoke_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        let result = {
            let mut entries = self.lock();
            self.revoke_user_now(&mut entries, namespace, user_id, before, until)
        };
        Box::pin(std::future::ready(result))
    }

    fn is_revoked<'a>(&'a self, login: LoginRef<'a>) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.revoked(login))))
    }

    fn is_revoked_now(&self, login: LoginRef<'_>) -> Option<bool> {
        Some(self.revoked(login))
    }
}

impl MemoryRevocations {
    /// The one lookup behind both `is_revoked` and `is_revoked_now`.
    fn revoked(&self, login: LoginRef<'_>) -> bool {
        let now = unix_now();
        let entries = self.lock();
        let by_id = entries
            .logins
            .get(login.login_id)
            .is_some_and(|until| *until > now);
        let by_user = entries
            .users
            .get(login.namespace)
            .and_then(|users| users.get(login.user_id))
            .is_some_and(|(before, until)| login.issued_at < *before && *until > now);
        by_id || by_user
    }
}
