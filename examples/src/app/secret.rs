//! The app's secret key: it signs and encrypts the session cookie, the remember cookie and the
//! auth-hash MAC, so it must be the same across restarts (or everyone is logged out) and on
//! every instance (or each refuses the others' cookies).
//!
//! From `APP_SECRET_KEY` (hex or base64 of at least 64 random bytes), or else from the file
//! `secret_key` beside the database, generated on the first start with permissions `0600`.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use actix_web::cookie::Key;

/// The fewest bytes a secret may have: `Key` takes 64 (32 to sign, 32 to encrypt).
pub const MIN_SECRET_BYTES: usize = 64;

/// The name of the generated key's file, in the database's directory.
pub const KEY_FILE: &str = "secret_key";

/// Where the key in use came from; the binary logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `APP_SECRET_KEY`.
    Env,
    /// The file, written earlier.
    File(PathBuf),
    /// The file, written now: a new key.
    Generated(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env => f.write_str("the secret key from APP_SECRET_KEY"),
            Self::File(path) => write!(f, "the secret key stored in {}", path.display()),
            Self::Generated(path) => write!(
                f,
                "a new secret key, generated and stored in {} (mode 0600); set APP_SECRET_KEY \
                 to share one key between instances",
                path.display()
            ),
        }
    }
}

/// A secret that cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum SecretError {
    /// Neither hex nor base64.
    NotEncoded,
    /// Fewer than [`MIN_SECRET_BYTES`] bytes.
    TooShort(usize),
    /// The key file could not be read or written.
    Io(PathBuf, io::Error),
    /// The operating system gave no randomness.
    NoRandomness,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotEncoded => f.write_str("the secret key is neither hex nor base64"),
            Self::TooShort(len) => write!(
                f,
                "the secret key has {len} bytes; it needs at least {MIN_SECRET_BYTES} random \
                 bytes (e.g. `openssl rand -hex 64`)"
            ),
            Self::Io(path, err) => write!(f, "the key file {}: {err}", path.display()),
            Self::NoRandomness => f.write_str("the operating system gave no randomness"),
        }
    }
}

impl std::error::Error for SecretError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(_, err) => Some(err),
            _ => None,
        }
    }
}

/// A key from its text form: hex, or base64 (standard or URL-safe, padded or not), of at least
/// [`MIN_SECRET_BYTES`] bytes. Exactly 64 bytes are the key; a longer secret is condensed with
/// HKDF-SHA256 (`Key::derive_from`), so every byte of it counts.
pub fn parse_key(text: &str) -> Result<Key, SecretError> {
    let text = text.trim();
    let bytes = decode_hex(text)
        .or_else(|| decode_base64(text))
        .ok_or(SecretError::NotEncoded)?;
    match bytes.len() {
        len if len < MIN_SECRET_BYTES => Err(SecretError::TooShort(len)),
        MIN_SECRET_BYTES => Key::try_from(bytes.as_slice()).map_err(|_| SecretError::TooShort(64)),
        _ => Ok(Key::derive_from(&bytes)),
    }
}

/// The key stored in `dir`/[`KEY_FILE`], or a new one written there (mode `0600`, created
/// atomically: two instances starting at once end up with the same key).
pub fn load_or_create(dir: &Path) -> Result<(Key, KeySource), SecretError> {
    let path = dir.join(KEY_FILE);
    match read_key_file(&path) {
        Ok(key) => return Ok((key, KeySource::File(path))),
        Err(SecretError::Io(_, err)) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let key = Key::try_generate().ok_or(SecretError::NoRandomness)?;
    let io_err = |err| SecretError::Io(path.clone(), err);
    std::fs::create_dir_all(dir).map_err(io_err)?;
    // Written whole under a temporary name, then linked into place: the link fails if another
    // process got there first, and nobody ever reads a half-written key.
    let temp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
    let written = write_private(&temp, &format!("{}\n", hex(key.master())))
        .and_then(|()| std::fs::hard_link(&temp, &path));
    let _ = std::fs::remove_file(&temp);
    match written {
        Ok(()) => Ok((key, KeySource::Generated(path))),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            Ok((read_key_file(&path)?, KeySource::File(path)))
        }
        Err(err) => Err(io_err(err)),
    }
}

fn read_key_file(path: &Path) -> Result<Key, SecretError> {
    let text = std::fs::read_to_string(path).map_err(|err| SecretError::Io(path.into(), err))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "the key file {} is readable by other users; `chmod 600` it",
                path.display()
            );
        }
    }
    parse_key(&text)
}

/// Creates `path` (it must not exist) readable and writable by its owner only.
fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let digits = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(digits, 16).ok()
        })
        .collect()
}

/// Base64, either alphabet, with or without `=` padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    // Six leftover bits cannot end a byte string: a truncated value.
    (bits < 6).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_and_base64() {
        let bytes: Vec<u8> = (0..64).collect();
        let from_hex = parse_key(&hex(&bytes)).expect("hex");
        assert_eq!(from_hex.master(), bytes.as_slice());
        // The same bytes in base64 (standard, padded).
        let b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
        assert_eq!(parse_key(b64).expect("base64").master(), bytes.as_slice());
        let url_safe = b64.replace('+', "-").replace('/', "_").replace('=', "");
        assert_eq!(
            parse_key(&url_safe).expect("url-safe").master(),
            bytes.as_slice()
        );

        assert!(matches!(
            parse_key(&hex(&bytes[..63])),
            Err(SecretError::TooShort(63))
        ));
        assert!(matches!(
            parse_key("not a key!"),
            Err(SecretError::NotEncoded)
        ));
        assert!(matches!(parse_key(""), Err(SecretError::NotEncoded)));
        // Longer secrets are condensed, every byte counting.
        let long: Vec<u8> = (0..80).collect();
        let mut other = long.clone();
        other[79] = 0;
        let (a, b) = (
            parse_key(&hex(&long)).unwrap(),
            parse_key(&hex(&other)).unwrap(),
        );
        assert_ne!(a.master(), b.master());
    }

    #[test]
    fn a_generated_key_is_stored_privately_and_reused() {
        let dir = std::env::temp_dir().join(format!("app-secret-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (first, source) = load_or_create(&dir).expect("generates");
        assert_eq!(source, KeySource::Generated(dir.join(KEY_FILE)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (second, source) = load_or_create(&dir).expect("reads");
        assert_eq!(source, KeySource::File(dir.join(KEY_FILE)));
        assert_eq!(first.master(), second.master());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
