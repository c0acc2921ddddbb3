//! Session protection: noticing a session cookie used from another client.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use actix_web::HttpRequest;
use actix_web::cookie::Key;
use actix_web::http::header::{self, HeaderName};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth_hash::{hex_into, keyed_mac, mac};

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

/// Which forwarding header the trusted proxies write (see
/// [`LoginManager::forwarded_header`](crate::LoginManager::forwarded_header)). Only that one is
/// read: a proxy passes the other through untouched, so the client would write it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=` (RFC 7239).
    Forwarded,
}

/// Domain separation: no other use of the app key produces this MAC key.
const LABEL: &[u8] = b"login-runtime client fingerprint v1";
/// 8 bytes of MAC are plenty to tell two clients apart, and keep the record short.
const FINGERPRINT_BYTES: usize = 8;

/// Computes client fingerprints: a keyed MAC of the client address and `User-Agent`, so that a
/// readable (signed-only) session does not reveal the client's address to a brute force.
#[derive(Clone)]
pub(crate) struct Fingerprinter {
    /// HMAC-SHA-256 already keyed: cloning it per request skips the key schedule.
    keyed: Hmac<Sha256>,
}

impl fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fingerprinter(..)")
    }
}

impl Fingerprinter {
    /// Keyed by the app key, so every instance of the app agrees.
    pub(crate) fn new(app_key: &Key) -> Self {
        Self::keyed(&mac(&keyed_mac(app_key.master()), LABEL))
    }

    /// Keyed by a random key of this process: right for one instance, but fingerprints change
    /// on restart (`Basic` then asks for a fresh login, `Strong` logs users out).
    pub(crate) fn per_process() -> Result<Self, crate::LoginError> {
        static KEY: OnceLock<[u8; 32]> = OnceLock::new();
        if let Some(key) = KEY.get() {
            return Ok(Self::keyed(key));
        }
        let key = *KEY.get_or_init(|| crate::random::bytes::<32>().unwrap_or([0; 32]));
        if key == [0; 32] {
            return Err(crate::LoginError::misconfigured(
                "no random source for the session-protection key; set `.secret_key(&key)`"
                    .to_owned(),
            ));
        }
        Ok(Self::keyed(&key))
    }

    fn keyed(key: &[u8; 32]) -> Self {
        Self {
            keyed: keyed_mac(key),
        }
    }

    /// The fingerprint of the client sending `req`. Computed on every request of a logged-in
    /// user, so it allocates nothing: the address is written straight into the MAC.
    pub(crate) fn fingerprint(
        &self,
        req: &HttpRequest,
        trusted_proxies: &[IpAddr],
        header: ForwardedHeader,
    ) -> Fingerprint {
        let agent = req
            .headers()
            .get(header::USER_AGENT)
            .map_or(&b""[..], |value| value.as_bytes());
        let mut mac = MacInput(self.keyed.clone());
        if let Some(address) = client_address(req, trusted_proxies, header) {
            // Writing into a MAC cannot fail.
            let _ = write!(mac, "{address}");
        }
        let mut mac = mac.0;
        mac.update(b"|");
        mac.update(agent);
        let digest = mac.finalize().into_bytes();
        let mut hex = [0; 2 * FINGERPRINT_BYTES];
        hex_into(&digest[..FINGERPRINT_BYTES], &mut hex);
        Fingerprint(hex)
    }
}

/// A client fingerprint: [`FINGERPRINT_BYTES`] of MAC as lowercase hex, as the login record
/// stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 2 * FINGERPRINT_BYTES]);

impl Fingerprint {
    pub(crate) fn as_str(&self) -> &str {
        // Hex digits only, so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Text written into a MAC.
struct MacInput(Hmac<Sha256>);

impl fmt::Write for MacInput {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.0.update(text.as_bytes());
        Ok(())
    }
}

/// A client address: the peer's, or an entry of the forwarding chain (normally an address too,
/// but whatever a trusted proxy wrote there).
pub(crate) enum ClientAddress {
    /// The peer's or a parsed forwarding entry's address: no allocation on the common path.
    Ip(IpAddr),
    /// A forwarding entry as written.
    Hop(String),
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => ip.fmt(f),
            Self::Hop(hop) => f.write_str(hop),
        }
    }
}

/// The client's address. The direct peer, unless it is a trusted proxy: then the forwarding
/// chain is walked from the right (the entry the nearest proxy appended) past every trusted
/// proxy, and the first address that is not one is the client. Entries further left were written
/// by the client itself and are never believed; so is an entry that names no address, which
/// ends the walk as it is.
pub(crate) fn client_address(
    req: &HttpRequest,
    trusted_proxies: &[IpAddr],
    header: ForwardedHeader,
) -> Option<ClientAddress> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(ClientAddress::Ip(peer));
    }
    let mut client = ClientAddress::Ip(peer);
    for hop in forwarded_chain(req, header).iter().rev() {
        client = ClientAddress::Hop(hop.clone());
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted_proxies.contains(&ip) => continue,
            _ => break,
        }
    }
    Some(client)
}

/// The forwarding chain of the configured header, left to right, across every header line in
/// order. Ports and brackets are stripped; a `Forwarded` element without `for=` stays in the
/// chain as itself, so the walk stops there rather than skipping to what the client wrote.
fn forwarded_chain(req: &HttpRequest, header: ForwardedHeader) -> Vec<String> {
    match header {
        ForwardedHeader::Forwarded => values(req, &header::FORWARDED)
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                let address = element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| normalize(value.trim().trim_matches('"')))
                });
                address.unwrap_or_else(|| element.trim().to_owned())
            })
            .collect(),
        ForwardedHeader::XForwardedFor => values(req, &HeaderName::from_static("x-forwarded-for"))
            .iter()
            .flat_map(|line| line.split(','))
            .map(|hop| normalize(hop.trim()))
            .collect(),
    }
}

fn values(req: &HttpRequest, name: &HeaderName) -> Vec<String> {
    req.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711` and `[2001:db8::1]` → the address.
fn normalize(hop: &str) -> String {
    if let Ok(socket) = hop.parse::<SocketAddr>() {
        return socket.ip().to_string();
    }
    let bare = hop.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => hop.to_owned(),
    }
}
