//! The login record the session holds: one small value, so it can never be half-written and
//! never pushes a cookie store past its 4 KB (security bar S6).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_session::Session;
use serde::{Deserialize, Serialize};

/// The one session key the library owns. A single record, so it can never be half-written.
pub(crate) const LOGIN_KEY: &str = "_login";

/// What the session stores for a logged-in user (security bar S6: one small record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LoginRecord {
    /// The user's `get_id()`.
    pub(crate) id: String,
    /// Whether the login came from credentials in this session (Flask's `_fresh`).
    pub(crate) fresh: bool,
    /// The login was forced for a user who was already inactive, so inactivity alone does not
    /// end it (spec line 4 vs. line 7: only a user who *becomes* inactive is logged out).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) forced: bool,
    /// The session-protection identifier of the client that logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client: Option<String>,
    /// The MAC of the user's `session_auth_hash` at login; empty when the type has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) hash: String,
    /// When the login happened (Unix seconds), for the absolute timeout; written only when a
    /// timeout is configured, since parsing it costs every request. A record without it counts
    /// as expired once a timeout is configured.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) since: u64,
    /// When the login was last used, to the granularity below, for the idle timeout.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) seen: u64,
}

/// Clock skew tolerated for a timestamp in the future; beyond it the timestamp is absurd.
const MAX_SKEW_SECS: u64 = 60;

impl LoginRecord {
    /// A record for a login happening now; `timed` when a timeout needs the timestamps.
    pub(crate) fn new(
        id: String,
        fresh: bool,
        client: Option<String>,
        hash: String,
        timed: bool,
    ) -> Self {
        let now = if timed { unix_now() } else { 0 };
        Self {
            id,
            fresh,
            forced: false,
            client,
            hash,
            since: now,
            seen: now,
        }
    }

    /// Whether the login has outlived a timeout (security bar S4). Missing, future or otherwise
    /// absurd timestamps count as expired, never as "forever".
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
        idle.is_some_and(|idle| outlived(self.seen, idle))
            || absolute.is_some_and(|absolute| outlived(self.since, absolute))
    }

    /// Whether `seen` is old enough to be worth rewriting: a tenth of the idle timeout, so an
    /// active user's session is written at most about ten times per timeout, not per request.
    pub(crate) fn stale_seen(&self, now: u64, idle: Duration) -> bool {
        now.saturating_sub(self.seen) >= (idle.as_secs() / 10).max(1)
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes fields by reference"
)]
fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The current time in Unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

pub(crate) fn read_record(session: &Session) -> Option<LoginRecord> {
    match session.get::<LoginRecord>(LOGIN_KEY) {
        Ok(record) => record,
        Err(err) => {
            // Wrong-typed data under our key: anonymous, and the data is left for inspection.
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
            ..LoginRecord::new("1".into(), true, None, String::new(), true)
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
        assert!(at(0, 0).expired(now, minute, None), "missing timestamps");
        assert!(
            at(now + 3600, now + 3600).expired(now, minute, minute),
            "from the future"
        );
        assert!(!at(0, 0).expired(now, None, None), "no timeouts, no expiry");
    }
}
