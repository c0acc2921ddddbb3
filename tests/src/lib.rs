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
pub mod throttle;

pub use app::{Store, User, app_with, default_app, remember_me, routes, session_middleware};
pub use client::{Client, Reply};

/// The names of a version 3 login record's fields, in order.
pub const RECORD_FIELDS: [&str; 12] = [
    "v", "flags", "iat", "since", "seen", "remember", "lid", "client", "hash", "replaced", "ns",
    "id",
];

/// A stored login record (version 3) field by field, by the names of [`RECORD_FIELDS`]; a
/// field that is empty in the record is absent here.
pub fn record_fields(text: &str) -> std::collections::HashMap<&'static str, String> {
    RECORD_FIELDS
        .into_iter()
        .zip(text.splitn(RECORD_FIELDS.len(), '|'))
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, value.to_owned()))
        .collect()
}

/// A login record in the library's current format (version 3, one line of `|`-separated
/// fields) for the fixture `User`, with `fields` over the defaults (a `null` field empties it):
/// tests plant it under the session key to play a session that holds exactly this, as a
/// tampered, old or hand-made session would.
///
/// Field names are the record's own: `ns`, `lid`, `id`, `iat` (Unix microseconds), `since`,
/// `seen` (Unix seconds), `remember` (seconds), `fresh`, `forced`, `client`, `hash`.
pub fn login_record(fields: serde_json::Value) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut record = serde_json::json!({
        "ns": std::any::type_name::<User>(),
        "lid": "0123456789abcdef0123456789abcdef",
        "id": "1",
        "iat": u64::try_from(now.as_micros()).unwrap_or_default(),
        "since": now.as_secs(),
        "fresh": true,
    });
    if let (Some(record), serde_json::Value::Object(fields)) = (record.as_object_mut(), fields) {
        for (name, value) in fields {
            record.insert(name, value);
        }
    }
    let text = |name: &str| match &record[name] {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let number = |name: &str| match &record[name] {
        serde_json::Value::Null => "0".to_owned(),
        _ => text(name),
    };
    let flags = u8::from(record["fresh"] == true) | u8::from(record["forced"] == true) << 1;
    serde_json::Value::String(format!(
        "3|{flags}|{}|{}|{}|{}|{}|{}|{}||{}|{}",
        number("iat"),
        number("since"),
        number("seen"),
        number("remember"),
        text("lid"),
        text("client"),
        text("hash"),
        text("ns"),
        text("id"),
    ))
}
