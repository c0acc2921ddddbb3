//! The login record the session holds: one small value, so it can never be half-written and
//! never pushes a cookie store past its 4 KB (docs/behaviour.md S6).
//!
//! Version 2 binds each login to what issued it and makes it revocable: a random login id, the
//! namespace of the manager that made it, and the time the user authenticated. A record this
//! version does not understand (an older version, unknown fields, wrong types) is no login.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_session::Session;
use serde::{Deserialize, Serialize};

/// The one session key the library owns. A single record, so it can never be half-written.
pub(crate) const LOGIN_KEY: &str = "_login";

/// The record format; bump it to retire every record written before.
const VERSION: u8 = 2;

/// What the session stores for a logged-in user (docs/behaviour.md S6: one small record).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRecord {
    /// The format version, [`VERSION`].
    pub(crate) v: u8,
    /// The namespace of the manager that made the login: another manager's login is not one.
    pub(crate) ns: String,
    /// This login's random id: what logout revokes.
    pub(crate) lid: String,
    /// The user's `get_id()`.
    pub(crate) id: String,
    /// When the user authenticated, on the authentication clock ([`auth_clock`], Unix
    /// microseconds): a login restored from the remember cookie
    /// keeps the time of the password login that set the cookie, so "log out everywhere"
    /// reaches it.
    pub(crate) iat: u64,
    /// When this session's login began (Unix seconds), for the absolute timeout.
    pub(crate) since: u64,
    /// When the login was last used, to the granularity below, for the idle timeout; zero when
    /// no idle timeout is configured, since rewriting it costs session writes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) seen: u64,
    /// Whether the login came from credentials in this session (Flask's `_fresh`).
    pub(crate) fresh: bool,
    /// The login was forced for a user who was already inactive, so inactivity alone does not
    /// end it (docs/behaviour.md B4 vs. B7: only a user who *becomes* inactive is logged out).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) forced: bool,
    /// The session-protection fingerprint of the client that logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client: Option<String>,
    /// The MAC of the user's `session_auth_hash` at login; empty when the type has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) hash: String,
    /// How long this login's remember cookie lives (seconds; zero: none), so that a logout
    /// knows how long a copy of that cookie must stay revoked.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) remember: u64,
    /// The login ids this one replaced when the same user logged in again in this session:
    /// copies of the session or remember cookie taken before carry them, so logout revokes
    /// them too. At most [`MAX_REPLACED`]; past that, `replaced_overflow`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) replaced: Vec<String>,
    /// More logins were replaced than are listed: logout then ends every login of this user
    /// made before this one, which covers them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) replaced_overflow: bool,
}

/// How many replaced login ids a record lists; a session that logs the same user in more often
/// than this falls back to revoking by user (`replaced_overflow`).
pub(crate) const MAX_REPLACED: usize = 8;

/// Clock skew tolerated for a timestamp in the future; beyond it the timestamp is absurd.
const MAX_SKEW_SECS: u64 = 60;

/// Who a login belongs to and which one it is: what a revocation is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRef<'a> {
    /// The namespace of the manager that made the login (see `LoginManager::namespace`).
    pub namespace: &'a str,
    /// The user's `get_id()`.
    pub user_id: &'a str,
    /// The login's random id.
    pub login_id: &'a str,
    /// When the user authenticated: Unix microseconds, from a clock that never gives the same
    /// value twice in one process.
    pub issued_at: u64,
}

impl LoginRecord {
    /// A record for a login happening now.
    pub(crate) fn new(ns: &str, lid: String, id: String, iat: u64, fresh: bool) -> Self {
        let now = unix_now();
        Self {
            v: VERSION,
            ns: ns.to_owned(),
            lid,
            id,
            iat,
            since: now,
            seen: 0,
            fresh,
            forced: false,
            client: None,
            hash: String::new(),
            remember: 0,
            replaced: Vec::new(),
            replaced_overflow: false,
        }
    }

    /// Carries over what a logout must revoke from `previous`, the same user's login this one
    /// replaces in the session.
    pub(crate) fn replacing(&mut self, previous: LoginRecord) {
        self.remember = self.remember.max(previous.remember);
        self.replaced_overflow = previous.replaced_overflow;
        self.replaced = previous.replaced;
        self.replaced.push(previous.lid);
        if self.replaced.len() > MAX_REPLACED {
            self.replaced.remove(0);
            self.replaced_overflow = true;
        }
    }

    /// The login this record holds, for revocation checks.
    pub(crate) fn login(&self) -> LoginRef<'_> {
        LoginRef {
            namespace: &self.ns,
            user_id: &self.id,
            login_id: &self.lid,
            issued_at: self.iat,
        }
    }

    /// Whether the login has outlived a timeout (docs/behaviour.md S4). Future or otherwise
    /// absurd timestamps count as expired, never as "forever"; a missing `seen` counts as
    /// `since` (the idle timeout was configured after the login).
    pub(crate) fn expired(
        &self,
        now: u64,
        idle: Option<Duration>,
        absolute: Option<Duration>,
    ) -> bool {
        let outlived = |at: u64, limit: Duration| {
            at == 0
                || at > now.saturating_add(MAX_SKEW_SECS)
                || now.saturating_sub(at) > limit.as_secs()
        };
        let seen = if self.seen == 0 {
            self.since
        } else {
            self.seen
        };
        idle.is_some_and(|idle| outlived(seen, idle))
            || absolute.is_some_and(|absolute| outlived(self.since, absolute))
    }

    /// Whether `seen` is old enough to be worth rewriting: a tenth of the idle timeout, so an
    /// active user's session is written at most about ten times per timeout, not per request.
    pub(crate) fn stale_seen(&self, now: u64, idle: Duration) -> bool {
        let seen = if self.seen == 0 {
            self.since
        } else {
            self.seen
        };
        now.saturating_sub(seen) >= (idle.as_secs() / 10).max(1)
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes fields by reference"
)]
fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The authentication clock: Unix microseconds, strictly increasing within the process. Logins
/// are stamped with it and "log out everywhere" revokes what was stamped before its own reading,
/// so within one process every login is clearly before or after it, however close together;
/// across instances, clocks a few microseconds apart are all that is left to chance.
pub(crate) fn auth_clock() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        });
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(now.max(last.saturating_add(1)))
        })
        .unwrap_or(now);
    now.max(previous.saturating_add(1))
}

/// The current time in Unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The session's login record, if it holds one this version understands.
pub(crate) fn read_record(session: &Session) -> Option<LoginRecord> {
    match session.get::<LoginRecord>(LOGIN_KEY) {
        Ok(record) => record.filter(|record| record.v == VERSION),
        Err(err) => {
            // Wrong-typed, older or unknown data under our key: no login (fail closed), and the
            // data is left for inspection.
            tracing::debug!(target: "login_runtime", "unreadable login record in session: {err}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(since: u64, seen: u64) -> LoginRecord {
        LoginRecord {
            since,
            seen,
            ..LoginRecord::new("ns", "lid".into(), "1".into(), since, true)
        }
    }

    #[test]
    fn timeouts() {
        let minute = Some(Duration::from_secs(60));
        let now = 1_000_000;
        assert!(!at(now - 10, now - 10).expired(now, minute, minute));
        assert!(at(now - 10, now - 61).expired(now, minute, None), "idle");
        assert!(
            !at(now - 10, now - 61).expired(now, None, minute),
            "no idle timeout"
        );
        assert!(at(now - 61, now).expired(now, None, minute), "absolute");
        assert!(
            at(now - 61, 0).expired(now, minute, None),
            "idle from since"
        );
        assert!(at(0, 0).expired(now, minute, None), "missing timestamps");
        assert!(
            at(now + 3600, now + 3600).expired(now, minute, minute),
            "from the future"
        );
        assert!(!at(0, 0).expired(now, None, None), "no timeouts, no expiry");
    }

    #[test]
    fn timeout_boundaries_have_two_sides() {
        let minute = Some(Duration::from_secs(60));
        let now = 1_000_000;
        assert!(
            !at(now - 60, now).expired(now, None, minute),
            "exactly the limit: kept"
        );
        assert!(
            at(now - 61, now).expired(now, None, minute),
            "a second past it: expired"
        );
        assert!(
            !at(now - 60, now - 60).expired(now, minute, None),
            "idle: exactly the limit"
        );
        assert!(
            at(now - 61, now - 61).expired(now, minute, None),
            "idle: a second past it"
        );
        let skew = MAX_SKEW_SECS;
        assert!(
            !at(now + skew, now).expired(now, None, minute),
            "the allowed clock skew"
        );
        assert!(
            at(now + skew + 1, now).expired(now, None, minute),
            "beyond it"
        );
    }

    #[test]
    fn last_use_is_rewritten_every_tenth_of_the_idle_timeout() {
        let now = 1_000_000;
        let idle = Duration::from_secs(60);
        assert!(!at(now - 100, now - 5).stale_seen(now, idle), "5 s < 6 s");
        assert!(at(now - 100, now - 6).stale_seen(now, idle), "6 s: rewrite");
        let short = Duration::from_secs(5);
        assert!(
            at(now - 100, now - 1).stale_seen(now, short),
            "at least every second"
        );
        assert!(
            !at(now - 100, now).stale_seen(now, short),
            "not twice in one second"
        );
    }
}
