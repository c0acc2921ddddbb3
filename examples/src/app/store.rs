//! The session and revocation stores: the cookie and this process for one instance, Redis for
//! several. One type for each, so [`app`](super::app) builds one `App` type whichever the
//! configuration picks.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{
    CookieSessionStore, LoadError, SaveError, SessionKey, SessionStore, UpdateError,
};
use actix_web::cookie::time::Duration;
use login_runtime::redis::RedisSessions;
use login_runtime::{LoginRef, RevocationStore, StoreFuture};

/// Where sessions live.
pub enum Sessions {
    /// In the encrypted session cookie: nothing on the server.
    Cookie(CookieSessionStore),
    /// In Redis, shared by every instance; the cookie holds only the session key.
    Redis(RedisSessions),
}

/// actix-session's session state (its own alias for it is private).
type State = HashMap<String, String>;

impl SessionStore for Sessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        match self {
            Self::Cookie(store) => store.load(key).await,
            Self::Redis(store) => store.load(key).await,
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        match self {
            Self::Cookie(store) => store.save(state, ttl).await,
            Self::Redis(store) => store.save(state, ttl).await,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            Self::Cookie(store) => store.update(key, state, ttl).await,
            Self::Redis(store) => store.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        match self {
            Self::Cookie(store) => store.update_ttl(key, ttl).await,
            Self::Redis(store) => store.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        match self {
            Self::Cookie(store) => store.delete(key).await,
            Self::Redis(store) => store.delete(key).await,
        }
    }
}

/// The app's revocation store, made once by [`AppState::start`](super::AppState::start) and
/// shared by every worker's `LoginManager`.
///
/// Not the library's default: that one is shared by the whole *process*, keyed by user id,
/// so two apps in one process on different databases (the integration tests) would end each
/// other's logins when their ids coincide. One store per app keeps each to its own.
#[derive(Clone)]
pub struct Revocations(pub Arc<dyn RevocationStore>);

impl RevocationStore for Revocations {
    fn revoke_login<'a>(&'a self, login: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()> {
        self.0.revoke_login(login, until)
    }

    fn revoke_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        self.0.revoke_user(namespace, user_id, before, until)
    }

    fn is_revoked<'a>(&'a self, login: LoginRef<'a>) -> StoreFuture<'a, bool> {
        self.0.is_revoked(login)
    }

    fn is_revoked_now(&self, login: LoginRef<'_>) -> Option<bool> {
        self.0.is_revoked_now(login)
    }
}
