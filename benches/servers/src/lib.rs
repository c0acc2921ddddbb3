//! What the benchmark servers share: the key, the user table, the credential check, the login
//! form, the `next` URL and the command line. Each server (`src/bin/*.rs`) serves the same routes:
//!
//! - `POST /login` (form `username=alice&password=secret`) → 302 to `/protected`, with a session
//!   cookie;
//! - `GET /protected` → 200 `hello alice` with that cookie, else 302 to `/login?next=%2Fprotected`;
//! - `GET /logout` → 302 to `/`;
//! - `GET /login` → 200 (a stand-in for the login form, so the redirect can be followed).
//!
//! Passwords are compared as plain strings, in every server: no hashing, so what is measured is
//! the session and login machinery, not a password hash.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};

use serde::Deserialize;

/// The session key of every server: 64 fixed bytes, so cookies survive a restart and every
/// server encrypts with the same key.
pub const SESSION_KEY: [u8; 64] = {
    let mut key = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        // Any fixed bytes will do; these are not all equal.
        key[i] = (i as u8).wrapping_mul(37).wrapping_add(11);
        i += 1;
    }
    key
};

/// The session cookie's name in every server (actix-session's and tower-sessions' default).
pub const COOKIE_NAME: &str = "id";

/// How many users the table holds (the lookups probe a map of this size, like
/// `examples/benches/guard.rs`). User 1 is alice.
pub const USER_COUNT: u64 = 1000;

/// The one account that can log in.
pub const USERNAME: &str = "alice";
/// Alice's password, stored and compared in clear on purpose (see the crate docs).
pub const PASSWORD: &str = "secret";
/// Alice's user id.
pub const ALICE_ID: u64 = 1;

/// Every user, as `(id, name)`: each server builds its own `User` type from these.
pub fn user_rows() -> impl Iterator<Item = (u64, String)> {
    (1..=USER_COUNT).map(|id| {
        let name = if id == ALICE_ID {
            USERNAME.to_owned()
        } else {
            format!("user{id}")
        };
        (id, name)
    })
}

/// Builds a `HashMap<u64, U>` of every user.
pub fn user_table<U>(make: impl Fn(u64, String) -> U) -> HashMap<u64, U> {
    user_rows().map(|(id, name)| (id, make(id, name))).collect()
}

/// The login form's fields (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, Deserialize)]
pub struct LoginForm {
    /// The user name.
    pub username: String,
    /// The password, in clear.
    pub password: String,
}

impl LoginForm {
    /// The id of the user these credentials belong to: a plain string comparison.
    pub fn check(&self) -> Option<u64> {
        (self.username == USERNAME && self.password == PASSWORD).then_some(ALICE_ID)
    }
}

/// `/login?next=<path>`, `path` percent-encoded as a query value (so `/protected` becomes
/// `%2Fprotected`, as login-runtime and axum-login write it).
pub fn login_url(path: &str) -> String {
    let mut url = String::with_capacity(12 + path.len() * 3);
    url.push_str("/login?next=");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// Whether `--<name>` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .any(|arg| arg == format!("--{name}"))
}

/// The address to listen on: always loopback, the port from the first numeric argument, else
/// `PORT`, else 8080.
pub fn address() -> std::io::Result<SocketAddr> {
    let port = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .or_else(|| std::env::var("PORT").ok())
        .unwrap_or_else(|| "8080".to_owned());
    let port: u16 = port.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{port:?} is not a port number"),
        )
    })?;
    Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
}

/// The actix-session middleware of `hand`, `identity` and `ours`: the cookie store with the
/// fixed key, not `Secure` (the benchmark speaks plain HTTP), otherwise actix-session's defaults.
pub fn actix_session()
-> actix_session::SessionMiddleware<actix_session::storage::CookieSessionStore> {
    actix_session::SessionMiddleware::builder(
        actix_session::storage::CookieSessionStore::default(),
        actix_web::cookie::Key::from(&SESSION_KEY),
    )
    .cookie_name(COOKIE_NAME.to_owned())
    .cookie_secure(false)
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_encoded() {
        assert_eq!(login_url("/protected"), "/login?next=%2Fprotected");
    }

    #[test]
    fn only_alice_logs_in() {
        let form = |username: &str, password: &str| LoginForm {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        assert_eq!(form("alice", "secret").check(), Some(ALICE_ID));
        assert_eq!(form("alice", "Secret").check(), None);
        assert_eq!(form("bob", "secret").check(), None);
    }
}
