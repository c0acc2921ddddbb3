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
pub(crate) fn token() -> Result<String, LoginError> {
    Ok(hex(&bytes::<16>()?))
}
