//! Revocations in Redis, shared by every app instance that uses the same server and prefix.
//!
//! Two kinds of key, both under a configurable prefix (default `login-runtime:revoked:`):
//!
//! - `<prefix>login:<login id>`: one revoked login. Its value is the Unix second until which
//!   the revocation must hold, and the key expires then (`EXPIREAT`).
//! - `<prefix>user:<namespace>|<user id>`: "every login of this user authenticated before
//!   `before`", the work of `logout_everywhere`. Its value is `before,until` (Unix
//!   microseconds, as `LoginRef::issued_at`; Unix seconds); the key expires at `until`.
//!
//! Both are written by a Lua script, so a revocation only ever widens, atomically, even with
//! two instances revoking the same user at once: the stored `before` and `until` become the
//! larger of the old and the new. A lookup reads both keys with one `MGET`: one round trip per
//! request that restores a login.
//!
//! What it guarantees is on [`RedisRevocations`].

use std::sync::Arc;

use redis::Value;

use super::RedisConnection;
use crate::revocation::{LoginRef, RevocationStore, StoreError, StoreFuture};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "login-runtime:revoked:";

/// Largest `until` written (the year 9999): Redis refuses expiry times that overflow, and Lua
/// numbers are exact only up to 2^53.
const MAX_UNTIL: u64 = 253_402_300_799;

/// Largest `before` written: 2^53 - 1, exact in Lua (Unix microseconds reach it in 2255).
const MAX_BEFORE: u64 = (1 << 53) - 1;

/// `KEYS[1]`: the login's key; `ARGV[1]`: until. Keeps the later `until` of old and new.
const REVOKE_LOGIN: &str = r"
local untl = tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if old > untl then untl = old end
redis.call('SET', KEYS[1], string.format('%.0f', untl))
redis.call('EXPIREAT', KEYS[1], string.format('%.0f', untl))
return 1
";

/// `KEYS[1]`: the user's key; `ARGV[1]`: before, `ARGV[2]`: until. Keeps the larger of each.
const REVOKE_USER: &str = r"
local before = tonumber(ARGV[1])
local untl = tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local b, u = string.match(old, '^(%d+),(%d+)$')
  if b then
    if tonumber(b) > before then before = tonumber(b) end
    if tonumber(u) > untl then untl = tonumber(u) end
  end
end
redis.call('SET', KEYS[1], string.format('%.0f,%.0f', before, untl))
redis.call('EXPIREAT', KEYS[1], string.format('%.0f', untl))
return 1
";

/// The [`RevocationStore`] for several app instances: revoked logins kept in Redis, so a
/// logout on one instance ends the login on all of them, including copies of the session and
/// remember cookies taken before it.
///
/// # What it guarantees, with every instance on the same Redis and prefix
///
/// - A logout or `logout_everywhere` on any instance is seen by every instance's next lookup:
///   Redis holds the only copy, nothing is cached in the app.
/// - A revocation is reported stored only once Redis confirmed the write. A write that failed
///   or timed out fails the logout (`503`, nothing changed for the client). Such a write may
///   still be applied later (it was sent before the bound): a logout reported failed can turn
///   out done, never the reverse.
/// - A lookup Redis cannot answer in time fails the request closed (`503`), never "not
///   revoked". Each request that restores a login costs one round trip (`MGET` of the login's
///   key and its user's key).
/// - A user's revocation only widens: concurrent `logout_everywhere` calls keep the later
///   point in time and the later expiry (an atomic Lua update).
/// - Entries expire in Redis when the logins they match would have expired anyway (absolute
///   timeout, remember-cookie lifetime), so memory is bounded by the logouts of one login
///   lifetime, about 100 bytes each.
/// - Every call waits at most the connection's
///   [`timeout`](super::RedisConnectionBuilder::timeout), and the manager's
///   [`store_timeout`](crate::LoginManager::store_timeout) bounds it again.
///
/// # What it does not
///
/// - Survive a Redis that loses its data (a restart without persistence, a failover to a
///   replica that missed the write): then copies of cookies taken before a lost logout log in
///   again until they expire. Sessions kept in that Redis are gone too, but a remember cookie
///   is not. Run Redis with persistence (AOF `everysec` or better) if that matters.
/// - Work across Redis Cluster slots: use a standalone Redis or a Sentinel-managed primary.
/// - Correct for clock skew: `logout_everywhere` compares the time of the call on one instance
///   with login times stamped by the others, so keep their clocks in sync (NTP).
///
/// ```no_run
/// use login_runtime::LoginManager;
/// use login_runtime::redis::{RedisConnection, RedisRevocations};
/// # use login_runtime::{UserMixin, user_loader};
/// # #[derive(Clone, UserMixin)] struct User { id: u64 }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { Some(User { id }) }
///
/// # async fn run() -> Result<(), login_runtime::redis::RedisConnectError> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let manager = LoginManager::<User>::new()
///     .revocation_store(RedisRevocations::new(redis).prefix("myapp:revoked:"));
/// # let _ = manager; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisRevocations {
    redis: RedisConnection,
    prefix: Arc<str>,
}

impl RedisRevocations {
    /// Revocations on `redis`, under the prefix `login-runtime:revoked:`.
    pub fn new(redis: RedisConnection) -> Self {
        Self {
            redis,
            prefix: Arc::from(DEFAULT_PREFIX),
        }
    }

    /// Puts the keys under `prefix` instead (say, one per app sharing a Redis). Every instance
    /// of one app must use the same prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn login_key(&self, login_id: &str) -> String {
        format!("{}login:{login_id}", self.prefix)
    }

    /// Namespaces never contain `|` (`LoginManager::namespace` refuses it), so the user id
    /// after the first `|` cannot make two users' keys collide.
    fn user_key(&self, namespace: &str, user_id: &str) -> String {
        format!("{}user:{namespace}|{user_id}", self.prefix)
    }

    async fn eval(&self, script: &str, key: String, args: &[u64]) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1).arg(key);
        for arg in args {
            cmd.arg(*arg);
        }
        self.redis
            .query::<Value>(&cmd)
            .await
            .map(drop)
            .map_err(|err| StoreError(err.to_string()))
    }
}

impl RevocationStore for RedisRevocations {
    fn revoke_login<'a>(&'a self, login: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()> {
        let key = self.login_key(login.login_id);
        let args = [until.min(MAX_UNTIL)];
        Box::pin(async move { self.eval(REVOKE_LOGIN, key, &args).await })
    }

    fn revoke_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        let key = self.user_key(namespace, user_id);
        let args = [before.min(MAX_BEFORE), until.min(MAX_UNTIL)];
        Box::pin(async move { self.eval(REVOKE_USER, key, &args).await })
    }

    fn is_revoked<'a>(&'a self, login: LoginRef<'a>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut cmd = redis::cmd("MGET");
            cmd.arg(self.login_key(login.login_id))
                .arg(self.user_key(login.namespace, login.user_id));
            let (by_id, by_user): (Option<String>, Option<String>) =
                self.redis
                    .query(&cmd)
                    .await
                    .map_err(|err| StoreError(err.to_string()))?;
            // A key exists only while its revocation holds (it expires at `until`).
            if by_id.is_some() {
                return Ok(true);
            }
            Ok(by_user.is_some_and(|value| revoked_by_user(&value, login.issued_at)))
        })
    }
}

/// Whether a user entry (`before,until`) covers a login authenticated at `issued_at` (strictly
/// before `before`, as `MemoryRevocations` counts). An entry this version cannot read covers
/// every login: unreadable is revoked, never valid.
fn revoked_by_user(value: &str, issued_at: u64) -> bool {
    let before = value
        .split_once(',')
        .map_or(value, |(before, _)| before)
        .parse::<u64>();
    match before {
        Ok(before) => issued_at < before,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::revoked_by_user;

    #[test]
    fn a_user_entry_covers_logins_before_it_and_an_unreadable_one_covers_all() {
        assert!(revoked_by_user("1000,99", 999));
        assert!(!revoked_by_user("1000,99", 1000));
        assert!(!revoked_by_user("1000,99", 1001));
        assert!(revoked_by_user("garbage", 1001));
        assert!(revoked_by_user("", 1001));
    }
}
