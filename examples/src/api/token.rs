//! The bearer token: made from 32 random bytes, shown once, kept only as its SHA-256, and read
//! back from exactly one `Authorization: Bearer <token>` header.
//!
//! # Why SHA-256 and no password hash
//!
//! A password is guessable, so it is stored under a slow, salted KDF (argon2). A token is
//! 256 bits from the OS's CSPRNG: nobody guesses it, with or without a stolen table, so a fast
//! unsalted hash loses nothing. What the hash buys is that a copy of the database (a backup,
//! a leaked file) holds no usable token. And a fast hash is what makes the lookup an index
//! lookup: one `WHERE token_hash = ?` per request, instead of an argon2 run per stored token.
//!
//! # Why no constant-time comparison
//!
//! The secret is never compared: the request's token is hashed, and the hash is looked up
//! through SQLite's unique index. The time that lookup takes can tell an attacker at most how
//! many leading bytes of *the hash of their guess* match some stored hash, and choosing a
//! guess whose hash matches more bytes is a preimage search on SHA-256. Nothing there leaks
//! the token.

use std::fmt;

use actix_web::HttpRequest;
use actix_web::http::header;
use sha2::{Digest, Sha256};

use crate::app::secret;

/// What every token starts with: it tells a reader (and secret scanners) what the string is.
pub const PREFIX: &str = "lr_";
/// The random bytes in a token.
const RANDOM_BYTES: usize = 32;
/// A token's length: the prefix and 64 hex digits.
pub const TOKEN_LEN: usize = PREFIX.len() + 2 * RANDOM_BYTES;
/// The longest `Authorization` value looked at: the scheme, a few spaces and a token fit with
/// room to spare; anything longer is not ours and is not parsed at all.
const MAX_HEADER_LEN: usize = 128;

/// A token's text: the secret itself. Shown to its owner once, when made; never logged (its
/// `Debug` is redacted) and never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The OS had no randomness to give.
#[derive(Debug)]
pub struct NoRandomness(getrandom::Error);

impl fmt::Display for NoRandomness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the operating system's random source failed: {}", self.0)
    }
}

impl std::error::Error for NoRandomness {}

impl Token {
    /// A new token: `lr_` and 32 bytes from the OS's CSPRNG as lower-case hex.
    pub fn generate() -> Result<Self, NoRandomness> {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes).map_err(NoRandomness)?;
        Ok(Self(format!("{PREFIX}{}", secret::hex(&bytes))))
    }

    /// `text` as a token, if it has exactly the form [`generate`](Self::generate) writes: the
    /// prefix and 64 lower-case hex digits. Anything else (upper case, padding, another
    /// length) is no token, so each token has one spelling and one hash.
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix(PREFIX)?;
        let canonical = digits.len() == 2 * RANDOM_BYTES
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        canonical.then(|| Self(text.to_owned()))
    }

    /// The text to give the client.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps: the SHA-256 of the token's text, in hex.
    pub fn hash(&self) -> TokenHash {
        TokenHash(secret::hex(&Sha256::digest(self.0.as_bytes())))
    }
}

/// A token's SHA-256 in hex: what `api_tokens.token_hash` holds and is looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The token of the request's one `Authorization: Bearer <token>` header.
///
/// `None` (the request has no token; the API answers 401) for no header, two or more (which
/// one would count is ambiguous, and a proxy may have added one), another scheme, a value over
/// 128 bytes or not text, or a token not in its exact form. The scheme is
/// case-insensitive and followed by one or more spaces (RFC 6750's `"Bearer" 1*SP b64token`).
pub fn bearer_token(req: &HttpRequest) -> Option<Token> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next()?;
    if values.next().is_some() || value.len() > MAX_HEADER_LEN {
        return None;
    }
    let (scheme, rest) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Token::parse(rest.trim_start_matches(' '))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn generated_tokens_parse_back_and_differ() {
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), TOKEN_LEN);
        assert_eq!(Token::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.hash().as_str().len(), 64);
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    #[test]
    fn only_the_exact_form_is_a_token() {
        let good = format!("lr_{}", "0a".repeat(32));
        assert!(Token::parse(&good).is_some());
        for bad in [
            String::new(),
            "lr_".to_owned(),
            "0a".repeat(32),
            format!("LR_{}", "0a".repeat(32)),
            format!("lr_{}", "0A".repeat(32)),
            format!("lr_{}", "0a".repeat(31)),
            format!("lr_{}0", "0a".repeat(32)),
            format!("lr_{}=", "0a".repeat(31)),
            format!("lr_{} ", "0a".repeat(32)),
            format!("lr_{}é", "0a".repeat(31)),
        ] {
            assert!(Token::parse(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_header_is_read_strictly() {
        let token = format!("lr_{}", "0a".repeat(32));
        let with = |values: &[&str]| {
            let mut req = TestRequest::default();
            for value in values {
                req = req.append_header((header::AUTHORIZATION, *value));
            }
            bearer_token(&req.to_http_request()).map(|token| token.as_str().to_owned())
        };
        assert_eq!(with(&[&format!("Bearer {token}")]), Some(token.clone()));
        assert_eq!(with(&[&format!("bearer  {token}")]), Some(token.clone()));
        assert_eq!(with(&[]), None);
        let one = format!("Bearer {token}");
        assert_eq!(with(&[&one, &one]), None);
        assert_eq!(with(&[&format!("Basic {token}")]), None);
        assert_eq!(with(&[&format!("Bearer\t{token}")]), None);
        assert_eq!(with(&[&token]), None);
        assert_eq!(with(&["Bearer"]), None);
        assert_eq!(with(&["Bearer "]), None);
        assert_eq!(with(&[&format!("Bearer {token}, Bearer {token}")]), None);
        let long = format!("Bearer {}{token}", " ".repeat(MAX_HEADER_LEN));
        assert_eq!(with(&[&long]), None);
    }
}
