//! Session stores whose every call has a bounded wait: [`RedisSessions`] on a
//! [`RedisConnection`], and [`Bounded`] around any other store.
//!
//! A call that fails or runs out of time is an error for actix-session (its `LoadError::Other`
//! and friends), which fails the request: a session that cannot be loaded is never treated as
//! "no session" (that would log the user out, and the next save would replace their session
//! with an empty one). [`FailClosed`](super::FailClosed) turns those failures into `503`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as Ttl;
use redis::Value;

use super::RedisConnection;
use super::connection::CommandError;
use super::fail_closed::mark_fault;

/// What actix-session stores per session.
type SessionState = HashMap<String, String>;

/// actix-session's [`SessionStore`] on a [`RedisConnection`]: each load and save waits at most
/// the connection's [`timeout`](super::RedisConnectionBuilder::timeout), and reconnects by
/// itself after a Redis restart (see [`RedisConnection`]).
///
/// It stores sessions exactly as actix-session's `RedisSessionStore` does (a JSON object under
/// the session key, with the session's TTL), so switching from that store to this one keeps
/// every session. Use it with [`FailClosed`](super::FailClosed) for a `503` on an outage.
///
/// ```no_run
/// use actix_session::SessionMiddleware;
/// use actix_web::{App, cookie::Key};
/// use login_runtime::redis::{FailClosed, RedisConnection, RedisSessions};
///
/// # async fn run() -> Result<(), login_runtime::redis::RedisConnectError> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let app = App::new()
///     .wrap(SessionMiddleware::new(RedisSessions::new(redis), Key::generate()))
///     .wrap(FailClosed::default());
/// # let _ = app; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisSessions {
    redis: RedisConnection,
    prefix: Arc<str>,
}

impl RedisSessions {
    /// Sessions on `redis`, each under its bare session key (as `RedisSessionStore` keeps them).
    pub fn new(redis: RedisConnection) -> Self {
        Self {
            redis,
            prefix: Arc::from(""),
        }
    }

    /// Puts each session under `prefix` + session key instead (`RedisSessionStore`'s
    /// `cache_keygen` with a prefix).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn key(&self, session_key: &SessionKey) -> String {
        format!("{}{}", self.prefix, session_key.as_ref())
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, anyhow::Error> {
        self.redis.query(cmd).await.map_err(|err| {
            mark_fault();
            tracing::warn!(target: "login_runtime", "session store: {err}");
            anyhow::Error::new(err)
        })
    }

    /// Stores `state` under a new session key; `SET … NX` so an existing session is never
    /// overwritten.
    async fn insert(&self, state: &SessionState, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(state)
            .map_err(|err| SaveError::Serialization(anyhow::Error::new(err)))?;
        let session_key = new_session_key().map_err(SaveError::Other)?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(&session_key))
            .arg(body)
            .arg("NX")
            .arg("EX")
            .arg(ttl.whole_seconds().max(1));
        match self.query::<Value>(&cmd).await.map_err(SaveError::Other)? {
            // Nil: the key exists. With 256 random bits that is the first attempt of a
            // retried `SET` having landed (see `RedisConnection::run`): it holds this body.
            Value::Okay | Value::SimpleString(_) | Value::Nil => Ok(session_key),
            other => Err(SaveError::Other(anyhow::anyhow!(
                "unexpected reply to SET: {other:?}"
            ))),
        }
    }
}

impl SessionStore for RedisSessions {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(session_key));
        let value: Option<String> = self.query(&cmd).await.map_err(LoadError::Other)?;
        match value {
            None => Ok(None),
            Some(value) => serde_json::from_str(&value)
                .map(Some)
                .map_err(|err| LoadError::Deserialization(anyhow::Error::new(err))),
        }
    }

    async fn save(&self, state: SessionState, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        self.insert(&state, ttl).await
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: SessionState,
        ttl: &Ttl,
    ) -> Result<SessionKey, UpdateError> {
        let body = serde_json::to_string(&state)
            .map_err(|err| UpdateError::Serialization(anyhow::Error::new(err)))?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(&session_key))
            .arg(body)
            .arg("XX")
            .arg("EX")
            .arg(ttl.whole_seconds().max(1));
        match self
            .query::<Value>(&cmd)
            .await
            .map_err(UpdateError::Other)?
        {
            Value::Okay | Value::SimpleString(_) => Ok(session_key),
            // The session expired (or Redis lost it) since the load: store it under a new key,
            // as `RedisSessionStore` does.
            Value::Nil => self.insert(&state, ttl).await.map_err(|err| match err {
                SaveError::Serialization(err) => UpdateError::Serialization(err),
                SaveError::Other(err) => UpdateError::Other(err),
            }),
            other => Err(UpdateError::Other(anyhow::anyhow!(
                "unexpected reply to SET: {other:?}"
            ))),
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Ttl) -> anyhow::Result<()> {
        let mut cmd = redis::cmd("EXPIRE");
        cmd.arg(self.key(session_key))
            .arg(ttl.whole_seconds().max(1));
        self.query::<Value>(&cmd).await.map(drop)
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(session_key));
        self.query::<Value>(&cmd).await.map(drop)
    }
}

/// 256 random bits as 64 hex digits (actix-session's own keys are 64 alphanumerics).
fn new_session_key() -> Result<SessionKey, anyhow::Error> {
    let bytes = crate::random::bytes::<32>().map_err(|err| anyhow::anyhow!("{err}"))?;
    SessionKey::try_from(crate::auth_hash::hex(&bytes)).map_err(anyhow::Error::new)
}

/// Any [`SessionStore`] with a bounded wait on each call: past `timeout` the call fails (and
/// [`FailClosed`](super::FailClosed) answers `503`), as does any other failure of the inner
/// store short of an unreadable session.
///
/// [`RedisSessions`] needs no wrapper. This is for other stores, such as actix-session's
/// pooled `RedisSessionStore` (its `redis-pool` feature); note that a bound alone does not make
/// a store recover after an outage (docs/store-faults.md measures the stock one).
///
/// ```
/// use std::time::Duration;
/// use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// use actix_web::{App, cookie::Key};
/// use login_runtime::redis::{Bounded, FailClosed};
///
/// let store = Bounded::new(CookieSessionStore::default(), Duration::from_secs(1));
/// let app = App::new()
///     .wrap(SessionMiddleware::new(store, Key::generate()))
///     .wrap(FailClosed::default());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct Bounded<S> {
    inner: S,
    timeout: Duration,
}

impl<S: SessionStore> Bounded<S> {
    /// `inner`, each of whose calls may take at most `timeout`.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self { inner, timeout }
    }

    /// Runs `call` within the bound; a timeout or an error `is_fault` says is an outage.
    async fn bounded<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>>,
        is_fault: impl Fn(&E) -> bool,
        timed_out: impl Fn(anyhow::Error) -> E,
    ) -> Result<T, E> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                if is_fault(&err) {
                    mark_fault();
                }
                Err(err)
            }
            Err(_) => {
                mark_fault();
                let err = CommandError::Timeout(self.timeout);
                tracing::warn!(target: "login_runtime", "session store: {err}");
                Err(timed_out(anyhow::Error::new(err)))
            }
        }
    }
}

impl<S: SessionStore> SessionStore for Bounded<S> {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        self.bounded(
            self.inner.load(session_key),
            |err| matches!(err, LoadError::Other(_)),
            LoadError::Other,
        )
        .await
    }

    async fn save(&self, state: SessionState, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        self.bounded(
            self.inner.save(state, ttl),
            |err| matches!(err, SaveError::Other(_)),
            SaveError::Other,
        )
        .await
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: SessionState,
        ttl: &Ttl,
    ) -> Result<SessionKey, UpdateError> {
        self.bounded(
            self.inner.update(session_key, state, ttl),
            |err| matches!(err, UpdateError::Other(_)),
            UpdateError::Other,
        )
        .await
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Ttl) -> anyhow::Result<()> {
        self.bounded(self.inner.update_ttl(session_key, ttl), |_| true, |err| err)
            .await
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        self.bounded(self.inner.delete(session_key), |_| true, |err| err)
            .await
    }
}
