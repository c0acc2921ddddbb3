//! The login record the session holds: one small value, so it can never be half-written and
//! never pushes a cookie store past its 4 KB (docs/behaviour.md S6).
//!
//! Version 2 bound each login to what issued it and made it revocable: a random login id, the
//! namespace of the manager that made it, and the time the user authenticated. Version 3 keeps
//! those fields and writes them as one line of text instead of a JSON object: actix-session
//! stores every value as JSON inside its own JSON map, so an object was escaped twice and parsed
//! field by field on every request; a line of `|`-separated fields needs no escaping (unless the
//! user id itself has characters JSON escapes) and is split in one pass (BENCHMARKS.md).
//!
//! ```text
//! 3|flags|iat|since|seen|remember|lid|client|hash|replaced|ns|id
//! ```
//!
//! A record this version does not understand (another version, a field too many or too few,
//! an unknown flag, a number with a sign or a space, a login id of the wrong shape) is no login.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_session::Session;

/// The one session key the library owns. A single record, so it can never be half-written.
pub(crate) const LOGIN_KEY: &str = "_login";

/// The record format; bump it to retire every record written before.
const VERSION: &str = "3";

/// `flags` bits.
const FRESH: u8 = 1;
const FORCED: u8 = 2;
const REPLACED_OVERFLOW: u8 = 4;

/// What the session stores for a logged-in user (docs/behaviour.md S6: one small record).
///
/// Its text fields borrow from the session's copy of the record where they can: the record is
/// read on every request of a logged-in user, and written far more rarely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoginRecord<'a> {
    /// The namespace of the manager that made the login: another manager's login is not one.
    pub(crate) ns: Cow<'a, str>,
    /// This login's random id (32 lowercase hex digits): what logout revokes.
    pub(crate) lid: Cow<'a, str>,
    /// The user's `get_id()`.
    pub(crate) id: Cow<'a, str>,
    /// When the user authenticated, on the authentication clock ([`auth_clock`], Unix
    /// microseconds): a login restored from the remember cookie keeps the time of the password
    /// login that set the cookie, so "log out everywhere" reaches it.
    pub(crate) iat: u64,
    /// When this session's login began (Unix seconds), for the absolute timeout.
    pub(crate) since: u64,
    /// When the login was last used, to the granularity of [`stale_seen`](Self::stale_seen),
    /// for the idle timeout; zero when no idle timeout is configured, since rewriting it costs
    /// session writes.
    pub(crate) seen: u64,
    /// Whether the login came from credentials in this session (Flask's `_fresh`).
    pub(crate) fresh: bool,
    /// The login was forced for a user who was already inactive, so inactivity alone does not
    /// end it (docs/behaviour.md B4 vs. B7: only a user who *becomes* inactive is logged out).
    pub(crate) forced: bool,
    /// The session-protection fingerprint of the client that logged in (lowercase hex).
    pub(crate) client: Option<Cow<'a, str>>,
    /// The MAC of the user's `session_auth_hash` at login (lowercase hex); empty when the type
    /// has none.
    pub(crate) hash: Cow<'a, str>,
    /// How long this login's remember cookie lives (seconds; zero: none), so that a logout
    /// knows how long a copy of that cookie must stay revoked.
    pub(crate) remember: u64,
    /// The login ids this one replaced when the same user logged in again in this session:
    /// copies of the session or remember cookie taken before carry them, so logout revokes
    /// them too. At most [`MAX_REPLACED`]; past that, `replaced_overflow`.
    pub(crate) replaced: Vec<Cow<'a, str>>,
    /// More logins were replaced than are listed: logout then ends every login of this user
    /// made before this one, which covers them.
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

impl<'a> LoginRecord<'a> {
    /// A record for a login happening now.
    pub(crate) fn new(ns: &'a str, lid: String, id: String, iat: u64, fresh: bool) -> Self {
        let now = unix_now();
        Self {
            ns: Cow::Borrowed(ns),
            lid: Cow::Owned(lid),
            id: Cow::Owned(id),
            iat,
            since: now,
            seen: 0,
            fresh,
            forced: false,
            client: None,
            hash: Cow::Borrowed(""),
            remember: 0,
            replaced: Vec::new(),
            replaced_overflow: false,
        }
    }

    /// Carries over what a logout must revoke from `previous`, the same user's login this one
    /// replaces in the session.
    pub(crate) fn replacing(&mut self, previous: LoginRecord<'_>) {
        self.remember = self.remember.max(previous.remember);
        self.replaced_overflow = previous.replaced_overflow;
        self.replaced = previous
            .replaced
            .into_iter()
            .map(|lid| Cow::Owned(lid.into_owned()))
            .collect();
        self.replaced.push(Cow::Owned(previous.lid.into_owned()));
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

/// The text of the session's login record, if there is one; [`LoginRecord::parse`] reads it.
pub(crate) fn read_text(session: &Session) -> Option<String> {
    session
        .get::<String>(LOGIN_KEY)
        .inspect_err(unreadable)
        .ok()
        .flatten()
}

/// Logs why the session's login record is no login (wrong type, older or unknown format); the
/// data is left in place for inspection.
fn unreadable(err: &impl std::fmt::Display) {
    tracing::debug!(target: "login_runtime", "unreadable login record in session: {err}");
}

/// The session's login record, if it holds one this version understands, owning its text.
pub(crate) fn read_record(session: &Session) -> Option<LoginRecord<'static>> {
    LoginRecord::parse(&read_text(session)?).map(LoginRecord::into_owned)
}

/// Writes `record` as the session's login record.
pub(crate) fn write_record(
    session: &Session,
    record: &LoginRecord<'_>,
) -> Result<(), actix_session::SessionInsertError> {
    session.insert(LOGIN_KEY, record.encode())
}

impl<'a> LoginRecord<'a> {
    /// The record in `text`, if it is one this version understands. Wrong-typed, older or
    /// unknown data under our key is no login (fail closed), and the data is left for
    /// inspection.
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        Self::decode(text).inspect_err(unreadable).ok()
    }

    /// The record with its text copied out of the session's.
    pub(crate) fn into_owned(self) -> LoginRecord<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        LoginRecord {
            ns: own(self.ns),
            lid: own(self.lid),
            id: own(self.id),
            client: self.client.map(own),
            hash: own(self.hash),
            replaced: self.replaced.into_iter().map(own).collect(),
            ..self
        }
    }

    /// The record as one line of text (the module docs give the layout).
    pub(crate) fn encode(&self) -> String {
        use std::fmt::Write as _;

        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        let flags = flag(self.fresh, FRESH)
            | flag(self.forced, FORCED)
            | flag(self.replaced_overflow, REPLACED_OVERFLOW);
        let client = self.client.as_deref().unwrap_or_default();
        let mut text = String::with_capacity(96 + self.ns.len() + self.id.len());
        // Writing to a `String` cannot fail.
        let _ = write!(
            text,
            "{VERSION}|{flags}|{}|{}|{}|{}|{}|{client}|{}|",
            self.iat, self.since, self.seen, self.remember, self.lid, self.hash
        );
        for (n, lid) in self.replaced.iter().enumerate() {
            if n > 0 {
                text.push(',');
            }
            text.push_str(lid);
        }
        let _ = write!(text, "|{}|{}", self.ns, self.id);
        text
    }

    /// Parses a record [`encode`](Self::encode) wrote; anything else is an error naming what
    /// is wrong, for the debug log.
    pub(crate) fn decode(text: &'a str) -> Result<Self, &'static str> {
        let mut fields = Fields(text);
        if fields.next()? != VERSION {
            return Err("another version");
        }
        let flags = number(fields.next()?)?;
        if flags > u64::from(FRESH | FORCED | REPLACED_OVERFLOW) {
            return Err("unknown flags");
        }
        let iat = number(fields.next()?)?;
        let since = number(fields.next()?)?;
        let seen = number(fields.next()?)?;
        let remember = number(fields.next()?)?;
        let lid = Cow::Borrowed(login_id(fields.next()?)?);
        let client = match fields.next()? {
            "" => None,
            client => Some(Cow::Borrowed(hex(client)?)),
        };
        let hash = Cow::Borrowed(hex(fields.next()?)?);
        let replaced = match fields.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(|lid| login_id(lid).map(Cow::Borrowed))
                .collect::<Result<Vec<_>, _>>()?,
        };
        if replaced.len() > MAX_REPLACED {
            return Err("too many replaced logins");
        }
        let ns = Cow::Borrowed(fields.next()?);
        if ns.is_empty() {
            return Err("no namespace");
        }
        // The rest, `|` and all: ids are checked against the loader's id type later.
        let id = Cow::Borrowed(fields.0);
        let flag = |bit: u8| flags & u64::from(bit) != 0;
        Ok(Self {
            ns,
            lid,
            id,
            iat,
            since,
            seen,
            fresh: flag(FRESH),
            forced: flag(FORCED),
            client,
            hash,
            remember,
            replaced,
            replaced_overflow: flag(REPLACED_OVERFLOW),
        })
    }
}

/// The `|`-separated fields of a record, read one at a time; what is left after the last one
/// taken is the user id.
struct Fields<'a>(&'a str);

impl<'a> Fields<'a> {
    fn next(&mut self) -> Result<&'a str, &'static str> {
        // A byte search: `|` is ASCII, so it never splits a character.
        let at = self
            .0
            .bytes()
            .position(|byte| byte == b'|')
            .ok_or("too few fields")?;
        let field = &self.0[..at];
        self.0 = &self.0[at + 1..];
        Ok(field)
    }
}

/// A decimal number as `encode` writes it: digits only (no sign, space or leading zero).
fn number(field: &str) -> Result<u64, &'static str> {
    let canonical = !field.is_empty()
        && field.bytes().all(|byte| byte.is_ascii_digit())
        && (field == "0" || !field.starts_with('0'));
    canonical
        .then(|| field.parse().ok())
        .flatten()
        .ok_or("not a number")
}

/// A login id: 32 lowercase hex digits, as `random::token` makes them.
fn login_id(field: &str) -> Result<&str, &'static str> {
    (field.len() == 32 && is_hex(field))
        .then_some(field)
        .ok_or("not a login id")
}

/// A MAC in lowercase hex, at most 64 digits.
fn hex(field: &str) -> Result<&str, &'static str> {
    (field.len() <= 64 && is_hex(field))
        .then_some(field)
        .ok_or("not hex")
}

fn is_hex(field: &str) -> bool {
    field
        .bytes()
        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(since: u64, seen: u64) -> LoginRecord<'static> {
        LoginRecord {
            since,
            seen,
            ..LoginRecord::new("ns", "lid".into(), "1".into(), since, true)
        }
    }

    fn full() -> LoginRecord<'static> {
        LoginRecord {
            seen: 1_700_000_100,
            forced: true,
            client: Some("00ff00ff00ff00ff".into()),
            hash: "0123456789abcdef0123456789abcdef".into(),
            remember: 86_400,
            replaced: vec!["a".repeat(32).into(), "b".repeat(32).into()],
            replaced_overflow: true,
            ..LoginRecord::new(
                "app::User",
                "c".repeat(32),
                "we|rd \"id\"".into(),
                1_700_000_000_000_001,
                true,
            )
        }
    }

    #[test]
    fn records_round_trip() {
        let record = full();
        assert_eq!(LoginRecord::decode(&record.encode()), Ok(record));
        let plain = LoginRecord::new("ns", "d".repeat(32), "1".into(), 5, false);
        let text = plain.encode();
        assert!(text.starts_with("3|0|5|"), "{text}");
        assert!(text.ends_with("||||ns|1"), "{text}");
        assert_eq!(LoginRecord::decode(&text), Ok(plain));
    }

    #[test]
    fn anything_else_is_no_record() {
        let good = full().encode();
        let fields: Vec<&str> = good.splitn(12, '|').collect();
        let with = |index: usize, value: &str| {
            let mut fields = fields.clone();
            fields[index] = value;
            fields.join("|")
        };
        let lid = "e".repeat(32);
        let nine = [lid.as_str(); MAX_REPLACED + 1].join(",");
        for (text, why) in [
            (with(0, "2"), "an older version"),
            (with(0, "4"), "a newer version"),
            (with(1, "8"), "an unknown flag"),
            (with(1, "+1"), "a signed number"),
            (with(2, ""), "an empty number"),
            (with(2, " 1"), "a padded number"),
            (with(2, "01"), "a leading zero"),
            (with(2, "18446744073709551616"), "a number past u64"),
            (with(6, &"C".repeat(32)), "an upper-case login id"),
            (with(6, &"c".repeat(31)), "a short login id"),
            (with(7, "xyz"), "a fingerprint that is not hex"),
            (with(8, &"0".repeat(65)), "an over-long hash"),
            (with(9, &format!("{lid},")), "an empty replaced id"),
            (with(9, &nine), "too many replaced ids"),
            (with(10, ""), "no namespace"),
            (fields[..11].join("|"), "no id field"),
            (String::new(), "nothing"),
            (
                r#"{"v":2,"ns":"app::User"}"#.to_owned(),
                "a version 2 record",
            ),
        ] {
            assert!(LoginRecord::decode(&text).is_err(), "{why}: {text}");
        }
        assert_eq!(
            LoginRecord::decode(&with(8, "")).map(|record| record.hash),
            Ok(Cow::Borrowed("")),
            "control: an empty hash is none"
        );
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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A text the decoder accepts must be exactly what the encoder writes for the record it
        /// reads: one text per record, so nothing can hide in an alternative spelling.
        fn refused_or_canonical(text: &str) -> Result<(), TestCaseError> {
            if let Ok(record) = LoginRecord::decode(text) {
                prop_assert_eq!(record.encode(), text);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Every record comes back exactly as written.
            #[test]
            fn round_trip(
                flags in (any::<bool>(), any::<bool>(), any::<bool>()),
                times in (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()),
                lid in "[0-9a-f]{32}",
                client in proptest::option::of("[0-9a-f]{16}"),
                hash in "([0-9a-f]{32})?",
                replaced in prop::collection::vec("[0-9a-f]{32}", 0..=MAX_REPLACED),
                ns in "[^|]{1,24}",
                id in "\\PC{0,40}",
            ) {
                let record = LoginRecord {
                    ns: ns.into(),
                    lid: lid.into(),
                    id: id.into(),
                    iat: times.0,
                    since: times.1,
                    seen: times.2,
                    fresh: flags.0,
                    forced: flags.1,
                    client: client.map(Into::into),
                    hash: hash.into(),
                    remember: times.3,
                    replaced: replaced.into_iter().map(Into::into).collect(),
                    replaced_overflow: flags.2,
                };
                let text = record.encode();
                prop_assert_eq!(LoginRecord::decode(&text), Ok(record));
            }

            /// Arbitrary text is refused, never a panic.
            #[test]
            fn arbitrary_text(text in "\\PC{0,160}") {
                refused_or_canonical(&text)?;
            }

            /// Texts one step from a record (each field drawn from digits, hex, signs, spaces
            /// and separators) are refused or canonical.
            #[test]
            fn near_records(
                version in "[2-4]",
                fields in prop::collection::vec("[0-9a-fA-F+ ,-]{0,34}", 10..=12),
            ) {
                refused_or_canonical(&format!("{version}|{}", fields.join("|")))?;
            }
        }
    }
}
