//! `session_auth_hash`: ending a user's other sessions when their password changes.
//!
//! The session and the remember cookie store a keyed MAC of the user's auth hash, never the
//! hash itself, and compare it in constant time (docs/behaviour.md S3).

use actix_web::cookie::Key;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::UserMixin;

/// Domain separation: no other use of the app key produces this MAC key.
const LABEL: &[u8] = b"login-runtime session auth hash v1";
/// 16 bytes of MAC, hex-encoded: collisions are out of reach and the record stays small.
const TAG_BYTES: usize = 16;

/// Computes and checks auth-hash tags.
#[derive(Clone)]
pub(crate) struct AuthTagger {
    key: Vec<u8>,
}

impl std::fmt::Debug for AuthTagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthTagger(..)")
    }
}

impl AuthTagger {
    /// Keyed by the app key when there is one; otherwise by a fixed label, which still keeps
    /// the raw hash out of the session (whose store is itself signed or server-side).
    pub(crate) fn new(app_key: Option<&Key>) -> Self {
        let key = match app_key {
            Some(app_key) => mac(app_key.master(), LABEL),
            None => LABEL.to_vec(),
        };
        Self { key }
    }

    /// The tag for `user`'s current auth hash; empty when the user type has none.
    pub(crate) fn tag<U: UserMixin>(&self, user: &U) -> String {
        user.session_auth_hash()
            .map(|hash| hex(&mac(&self.key, &hash)[..TAG_BYTES]))
            .unwrap_or_default()
    }

    /// Whether `stored` is `user`'s current tag, compared in constant time.
    pub(crate) fn matches<U: UserMixin>(&self, stored: &str, user: &U) -> bool {
        let current = self.tag(user);
        bool::from(current.as_bytes().ct_eq(stored.as_bytes()))
    }
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}
