//! Fixtures shared by the behaviour tests: the fixture users, an app that exposes every
//! library function through a route, a cookie-carrying test client, an in-memory session store
//! and a log capture.
//!
//! The fixture users, as `docs/behaviour.md` names them: `notch` (id 1), `steve` (id 2) and
//! `creeper` (id 3, inactive).

pub mod app;
pub mod client;
pub mod logs;
pub mod memory_store;

pub use app::{Store, User, app_with, default_app, remember_me, routes, session_middleware};
pub use client::{Client, Reply};

/// A login record in the library's current format (version 2) for the fixture `User`, with
/// `fields` over the defaults (a `null` field removes it): tests plant it under the session key
/// to play a session that holds exactly this, as a tampered, old or hand-made session would.
pub fn login_record(fields: serde_json::Value) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut record = serde_json::json!({
        "v": 2,
        "ns": std::any::type_name::<User>(),
        "lid": "0123456789abcdef0123456789abcdef",
        "id": "1",
        "iat": u64::try_from(now.as_millis()).unwrap_or_default(),
        "since": now.as_secs(),
        "fresh": true,
    });
    if let (Some(record), serde_json::Value::Object(fields)) = (record.as_object_mut(), fields) {
        for (name, value) in fields {
            if value.is_null() {
                record.remove(&name);
            } else {
                record.insert(name, value);
            }
        }
    }
    record
}
