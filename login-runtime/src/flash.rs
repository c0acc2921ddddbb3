//! Session-backed flash messages, as Flask's `flash` / `get_flashed_messages`: what the login
//! redirect uses to tell the user why they landed on the login page.

use actix_session::SessionExt;
use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};

use crate::untyped_state::untyped_state;

/// The session key flashes live under.
const FLASH_KEY: &str = "_flashes";
/// The marker cookie that carries a refusal's message to the login page for a visitor without a
/// session (a refusal creates none).
pub(crate) const MESSAGE_COOKIE: &str = "login_message";
/// A session in a cookie store has 4 KB; a loop that flashes must not fill it.
const MAX_FLASHES: usize = 16;

/// A message shown once, on the next page that reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The category, e.g. `message`, `info`, `error`.
    pub category: String,
    /// The text.
    pub message: String,
}

/// Queues a flash message in the session.
pub fn flash(req: &HttpRequest, category: &str, message: &str) -> Result<(), actix_web::Error> {
    let session = req.get_session();
    let mut flashes = session
        .get::<Vec<Flash>>(FLASH_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    if flashes.len() >= MAX_FLASHES {
        flashes.remove(0);
    }
    flashes.push(Flash {
        category: category.to_owned(),
        message: message.to_owned(),
    });
    session.insert(FLASH_KEY, flashes)?;
    Ok(())
}

/// Takes the queued flash messages out of the session (they are shown once). Unreadable data
/// under the key is dropped rather than failing the page.
///
/// This includes the login manager's message for a visitor it refused before they had a
/// session (a refusal creates none, so that message travels in a short-lived cookie naming it).
pub fn get_flashed_messages(req: &HttpRequest) -> Vec<Flash> {
    let mut flashes = Vec::new();
    if let Some(marker) = req.cookie(MESSAGE_COOKIE)
        && let Ok(state) = untyped_state(req, "`get_flashed_messages` on")
        && let Some((category, message)) = state.take_marked_message(req, marker.value())
    {
        flashes.push(Flash { category, message });
    }
    let session = req.get_session();
    if !session.contains_key(FLASH_KEY) {
        return flashes;
    }
    let stored = session
        .remove_as::<Vec<Flash>>(FLASH_KEY)
        .and_then(Result::ok)
        .unwrap_or_default();
    flashes.extend(stored);
    flashes
}
