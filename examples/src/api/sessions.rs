//! The API's session store, which keeps nothing.
//!
//! `LoginManager` looks in the session before it asks the request loader, and answers `500`
//! when no actix-session middleware ran before it, so the API has one. But a token request
//! needs no session, and must not be given one:
//!
//! - **No cookie authenticates the API.** The app and the API may share a host (ports do not
//!   separate cookies), so a browser logged in to the app sends its session cookie here too.
//!   Were it accepted, any page the user visits could make their browser call the API with
//!   it (CSRF). With this store, every session is empty: only the `Authorization` header,
//!   which a browser never adds by itself, logs a request in.
//! - **Nothing is written.** No session is ever created, so no response sets a cookie; if
//!   some code did write one, saving it fails with a `500` and a log line, rather than
//!   quietly starting to issue cookies.
//!
//! The middleware's key is generated at each start ([`ApiState`](super::ApiState)): it never
//! signs anything, and a cookie signed under any other key is ignored before this store is
//! asked.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;

/// A [`SessionStore`] in which no session exists and none can be saved.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSessions;

/// actix-session's session state (its own alias for it is private).
type State = HashMap<String, String>;

const REFUSAL: &str = "the API keeps no sessions; something wrote to the session of an API request";

impl SessionStore for NoSessions {
    async fn load(&self, _key: &SessionKey) -> Result<Option<State>, LoadError> {
        Ok(None)
    }

    async fn save(&self, _state: State, _ttl: &Duration) -> Result<SessionKey, SaveError> {
        tracing::error!("{REFUSAL}");
        Err(SaveError::Other(anyhow::anyhow!(REFUSAL)))
    }

    async fn update(
        &self,
        _key: SessionKey,
        _state: State,
        _ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        tracing::error!("{REFUSAL}");
        Err(UpdateError::Other(anyhow::anyhow!(REFUSAL)))
    }

    async fn update_ttl(&self, _key: &SessionKey, _ttl: &Duration) -> Result<(), anyhow::Error> {
        Ok(())
    }

    async fn delete(&self, _key: &SessionKey) -> Result<(), anyhow::Error> {
        Ok(())
    }
}
