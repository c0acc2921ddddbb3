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
    /// HMAC-SHA-256 already keyed: cloning it per request skips the key schedule.
    keyed: Hmac<Sha256>,
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
        let keyed = match app_key {
            Some(app_key) => keyed_mac(&mac(&keyed_mac(app_key.master()), LABEL)),
            None => keyed_mac(LABEL),
        };
        Self { keyed }
    }

    /// The tag for `user`'s current auth hash; empty when the user type has none.
    pub(crate) fn tag<U: UserMixin>(&self, user: &U) -> String {
        user.session_auth_hash()
            .map(|hash| hex(&mac(&self.keyed, &hash)[..TAG_BYTES]))
            .unwrap_or_default()
    }

    /// Whether `stored` is `user`'s current tag, compared in constant time.
    pub(crate) fn matches<U: UserMixin>(&self, stored: &str, user: &U) -> bool {
        let current = self.tag(user);
        bool::from(current.as_bytes().ct_eq(stored.as_bytes()))
    }
}

/// HMAC-SHA-256 keyed with `key`, ready to be cloned for each message: the library's keyed
/// MACs (auth-hash tags, client fingerprints) all start here.
pub(crate) fn keyed_mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// The MAC of `data` under an already keyed HMAC.
pub(crate) fn mac(keyed: &Hmac<Sha256>, data: &[u8]) -> [u8; 32] {
    let mut mac = keyed.clone();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut hex = vec![0; bytes.len() * 2];
    hex_into(bytes, &mut hex);
    // Hex digits only, so always UTF-8.
    String::from_utf8(hex).unwrap_or_default()
}

/// Lowercase hex of `bytes` into `out` (twice as long), for callers that keep it on the stack.
pub(crate) fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
}
