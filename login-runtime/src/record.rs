//! The login record the session holds: one small value, so it can never be half-written and
//! never pushes a cookie store past its 4 KB (security bar S6).

use actix_session::Session;
use serde::{Deserialize, Serialize};

/// The one session key the library owns. A single record, so it can never be half-written.
pub(crate) const SESSION_KEY: &str = "_login";

/// What the session stores for a logged-in user (security bar S6: one small record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
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
}

pub(crate) fn read_record(session: &Session) -> Option<SessionRecord> {
    match session.get::<SessionRecord>(SESSION_KEY) {
        Ok(record) => record,
        Err(err) => {
            // Wrong-typed data under our key: anonymous, and the data is left for inspection.
            tracing::debug!(target: "login_runtime", "unreadable login record in session: {err}");
            None
        }
    }
}
