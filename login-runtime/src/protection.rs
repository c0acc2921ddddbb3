//! Session protection: noticing a session cookie used from another client.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;
use sha2::{Digest, Sha256};

/// How hard to react when a session is used from a client that does not match the one that
/// logged in (Flask-Login's `session_protection`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionProtection {
    /// No check.
    Off,
    /// The login stays but stops being fresh, so `#[login_required(fresh)]` asks again.
    #[default]
    Basic,
    /// The login is dropped: the request is anonymous and the remember cookie is cleared.
    Strong,
}

/// The client identifier: a short hash of the peer address and `User-Agent`.
///
/// Forwarding headers are ignored unless the direct peer is one of `trusted_proxies`, since any
/// client can send them.
pub(crate) fn identifier(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> String {
    let peer = req.peer_addr().map(|addr| addr.ip());
    let address = match peer {
        Some(ip) if trusted_proxies.contains(&ip) => req
            .connection_info()
            .realip_remote_addr()
            .map_or_else(|| ip.to_string(), strip_port),
        Some(ip) => ip.to_string(),
        None => String::new(),
    };
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .map_or(&b""[..], |value| value.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(address.as_bytes());
    hasher.update(b"|");
    hasher.update(agent);
    // 16 bytes are plenty to tell clients apart; the session only needs to compare.
    crate::auth_hash::hex(&hasher.finalize()[..16])
}

fn strip_port(addr: &str) -> String {
    addr.parse::<std::net::SocketAddr>()
        .map_or_else(|_| addr.to_owned(), |socket| socket.ip().to_string())
}
