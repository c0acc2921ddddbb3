//! Unguessable values: login ids, CSRF tokens and the fallback fingerprint key, from the
//! operating system's CSPRNG.

use crate::auth_hash::hex;
use crate::error::LoginError;

/// `N` random bytes; an OS without a working random source is a server error, never a weak
/// value.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], LoginError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|err| {
        LoginError::misconfigured(format!(
            "the operating system's random source failed: {err}"
        ))
    })?;
    Ok(buf)
}

/// 128 random bits as 32 lowercase hex digits: a login id or a CSRF token.
///
/// Made on every login, so from rand's thread-local CSPRNG (ChaCha12, seeded and periodically
/// reseeded from the operating system) rather than a system call each time: the generator
/// actix-session draws its own session keys from, and that the `cookie` crate's encryption
/// nonces come from, so an app that runs at all already depends on it.
pub(crate) fn token() -> String {
    use rand::RngCore as _;

    let mut buf = [0u8; 16];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}
