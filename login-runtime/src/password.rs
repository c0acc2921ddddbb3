//! Password hashing and verification (feature `argon2`): argon2id PHC strings, computed on
//! actix's blocking thread pool, with a dummy verification for unknown users and a "needs
//! rehash" answer when a stored hash was made with other parameters.
//!
//! ```
//! use login_runtime::password::{Passwords, Verified};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let passwords = Passwords::new(); // argon2id, m=19456 KiB, t=2, p=1 (OWASP)
//! let stored = passwords.hash("correct horse").await?; // keep this in the user's row
//!
//! assert!(passwords.verify("correct horse", Some(&stored)).await?.is_match());
//! assert_eq!(passwords.verify("wrong", Some(&stored)).await?, Verified::Mismatch);
//! // No such user: as slow as a wrong password, and never a match.
//! assert_eq!(passwords.verify("correct horse", None).await?, Verified::Mismatch);
//! # Ok::<_, login_runtime::password::PasswordError>(())
//! # }).unwrap();
//! ```

mod error;

use std::fmt;
use std::sync::Arc;

use actix_web::web;
use argon2::password_hash::{
    self, Output, ParamsString, PasswordHash, PasswordHashString, PasswordHasher as _,
    PasswordVerifier as _, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Version};

use self::error::Kind;
pub use self::error::PasswordError;

/// The argon2 parameters (memory in KiB, iterations, lanes), re-exported so an app tunes them
/// without depending on the `argon2` crate itself, at a version that might not match.
pub use argon2::Params;

/// The longest password, in bytes, that is hashed or verified.
///
/// Argon2 reads the whole password before its memory-hard part, so the bound caps the work
/// one request can ask for; 4096 bytes is far beyond any passphrase. [`Passwords::hash`]
/// refuses a longer one (`400`), and [`Passwords::verify`] answers [`Verified::Mismatch`]
/// after the same dummy verification an unknown user gets.
///
/// ```
/// use login_runtime::password::{MAX_PASSWORD_BYTES, Passwords};
///
/// # actix_web::rt::System::new().block_on(async {
/// let err = Passwords::new().hash("x".repeat(MAX_PASSWORD_BYTES + 1)).await.unwrap_err();
/// assert!(err.is_too_long());
/// # });
/// ```
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Hashes and verifies passwords with argon2id. Cheap to clone: keep one in the app data.
///
/// Every hash is a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) that carries
/// its own salt and parameters, so hashes made under older parameters still verify, and
/// [`Verified::Match`] says when one should be replaced. The work runs on actix's blocking
/// thread pool (`web::block`): tens of milliseconds of CPU would otherwise stall every other
/// request on the worker. Call the async methods inside an actix runtime.
///
/// ```
/// use actix_web::{App, web};
/// use login_runtime::password::Passwords;
///
/// let passwords = web::Data::new(Passwords::new());
/// let app = App::new().app_data(passwords.clone());
/// ```
#[derive(Clone)]
pub struct Passwords {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    params: Params,
    /// What an unknown user's password is verified against (see [`Inner::dummy_verify`]), or
    /// why these parameters cannot make a PHC string at all.
    dummy: Result<PasswordHashString, password_hash::Error>,
}

impl Passwords {
    /// Argon2id with the OWASP Password Storage Cheat Sheet's parameters: 19 MiB of memory
    /// (m=19456 KiB), 2 iterations, 1 lane. They are argon2's [`Params::DEFAULT`].
    ///
    /// ```
    /// use login_runtime::password::Passwords;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let hash = Passwords::new().hash("hunter2").await?;
    /// assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    /// # Ok::<_, login_runtime::password::PasswordError>(())
    /// # }).unwrap();
    /// ```
    pub fn new() -> Self {
        Self::with_params(Params::DEFAULT)
    }

    /// Argon2id with other parameters: more memory or iterations when the servers can afford
    /// them, or light ones in tests. Stored hashes made with other parameters keep verifying,
    /// and report `needs_rehash`.
    ///
    /// Parameters whose output length is outside 10..=64 bytes cannot make a PHC string: the
    /// problem is logged now, and every hash and verification then fails.
    ///
    /// ```
    /// use login_runtime::password::{Params, Passwords};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// // 64 KiB, 1 iteration: fast, and far too weak outside tests.
    /// let passwords = Passwords::with_params(Params::new(64, 1, 1, None)?);
    /// assert!(passwords.hash("hunter2").await?.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn with_params(params: Params) -> Self {
        let dummy = dummy_hash(&params);
        if let Err(err) = &dummy {
            tracing::error!(
                target: "login_runtime",
                "these argon2 parameters cannot make a password hash: {err}; every hash and \
                 verification will fail (keep the output length within 10..=64 bytes)"
            );
        }
        Self {
            inner: Arc::new(Inner {
                argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
                params,
                dummy,
            }),
        }
    }

    /// Hashes `password` with a fresh random salt, into a PHC string to store.
    ///
    /// Refused with a `400` [`PasswordError`] ([`is_too_long`](PasswordError::is_too_long))
    /// when longer than [`MAX_PASSWORD_BYTES`].
    ///
    /// ```
    /// use login_runtime::password::{Params, Passwords};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// # let passwords = Passwords::with_params(Params::new(64, 1, 1, None)?);
    /// let first = passwords.hash("hunter2").await?;
    /// let second = passwords.hash("hunter2").await?;
    /// assert_ne!(first, second); // another salt each time
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn hash(&self, password: impl Into<String>) -> Result<String, PasswordError> {
        let password = password.into();
        let inner = Arc::clone(&self.inner);
        match web::block(move || inner.hash(&password)).await {
            Ok(hashed) => hashed.map_err(PasswordError::new),
            Err(err) => Err(PasswordError::new(Kind::Blocking(err))),
        }
    }

    /// [`hash`](Self::hash) on the calling thread, for where there is no request to keep
    /// moving: seeding accounts at startup, a command-line tool, a migration. It blocks for
    /// as long as the hash takes, so never call it on an async worker.
    ///
    /// ```
    /// use login_runtime::password::Passwords;
    ///
    /// let hash = Passwords::new().hash_blocking("hunter2")?;
    /// assert!(hash.starts_with("$argon2id$"));
    /// # Ok::<_, login_runtime::password::PasswordError>(())
    /// ```
    pub fn hash_blocking(&self, password: &str) -> Result<String, PasswordError> {
        self.inner.hash(password).map_err(PasswordError::new)
    }

    /// Checks `password` against `stored`, the user's PHC string; `None` when no user has the
    /// name that was typed.
    ///
    /// For `None`, and for a password over [`MAX_PASSWORD_BYTES`], the password is verified
    /// against a dummy hash made with the same parameters and the answer is
    /// [`Verified::Mismatch`]: an unknown username costs the same time as a wrong password, so
    /// response times do not tell which usernames exist. A `stored` string that is not an
    /// argon2 PHC string is an error (a `500`, logged), never a silent mismatch: it is a bug
    /// or corruption in the user store.
    ///
    /// The stored hash's own parameters set the cost of verifying it.
    ///
    /// ```
    /// use login_runtime::password::{Params, Passwords, Verified};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// # let passwords = Passwords::with_params(Params::new(64, 1, 1, None)?);
    /// let stored = passwords.hash("hunter2").await?;
    /// assert_eq!(
    ///     passwords.verify("hunter2", Some(&stored)).await?,
    ///     Verified::Match { needs_rehash: false }
    /// );
    /// assert_eq!(passwords.verify("hunter3", Some(&stored)).await?, Verified::Mismatch);
    /// assert_eq!(passwords.verify("hunter2", None).await?, Verified::Mismatch);
    /// assert!(passwords.verify("hunter2", Some("not a hash")).await.is_err());
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn verify(
        &self,
        password: impl Into<String>,
        stored: Option<&str>,
    ) -> Result<Verified, PasswordError> {
        let password = password.into();
        let stored = stored.map(str::to_owned);
        let inner = Arc::clone(&self.inner);
        match web::block(move || inner.verify(&password, stored.as_deref())).await {
            Ok(verified) => verified.map_err(PasswordError::new),
            Err(err) => Err(PasswordError::new(Kind::Blocking(err))),
        }
    }

    /// Whether `stored` was made with another algorithm, version or parameters than these, or
    /// is not an argon2 PHC string at all. [`verify`](Self::verify) answers the same in
    /// [`Verified::Match`]; this is for checking stored hashes without a password, such as
    /// counting the accounts an upgrade has not reached yet.
    ///
    /// ```
    /// use login_runtime::password::{Params, Passwords};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let light = Passwords::with_params(Params::new(64, 1, 1, None)?);
    /// let stored = light.hash("hunter2").await?;
    /// assert!(!light.needs_rehash(&stored));
    /// assert!(Passwords::new().needs_rehash(&stored));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn needs_rehash(&self, stored: &str) -> bool {
        !PasswordHash::new(stored).is_ok_and(|hash| self.inner.is_current(&hash))
    }
}

impl Default for Passwords {
    /// [`Passwords::new`]: the OWASP parameters.
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = &self.inner.params;
        f.debug_struct("Passwords")
            .field("m_cost", &params.m_cost())
            .field("t_cost", &params.t_cost())
            .field("p_cost", &params.p_cost())
            .finish_non_exhaustive()
    }
}

// These run on the blocking pool and return a bare `Kind`: the caller makes the error, and with
// it the log line, back on the request's task, inside the request's tracing span.
impl Inner {
    fn hash(&self, password: &str) -> Result<String, Kind> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(Kind::TooLong(password.len()));
        }
        let salt = SaltString::encode_b64(&random_salt()).map_err(Kind::Hashing)?;
        let hash = self
            .argon2
            .hash_password(password.as_bytes(), &salt)
            .map_err(Kind::Hashing)?;
        Ok(hash.to_string())
    }

    fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verified, Kind> {
        let within_bound = password.len() <= MAX_PASSWORD_BYTES;
        let (Some(stored), true) = (stored, within_bound) else {
            // An unknown user, or a password over the bound: the work of a wrong password, then
            // no. Not on the over-long password itself: not reading it is the bound's point.
            self.dummy_verify(if within_bound { password } else { "" })?;
            return Ok(Verified::Mismatch);
        };
        let hash = PasswordHash::new(stored).map_err(Kind::Unverifiable)?;
        if hash.salt.is_none() || hash.hash.is_none() {
            // The verifier would call this a wrong password; it is a broken store.
            return Err(Kind::Unverifiable(password_hash::Error::PhcStringField));
        }
        match self.argon2.verify_password(password.as_bytes(), &hash) {
            Ok(()) => Ok(Verified::Match {
                needs_rehash: !self.is_current(&hash),
            }),
            Err(password_hash::Error::Password) => Ok(Verified::Mismatch),
            // Another algorithm (scrypt, bcrypt), a version or parameter argon2 refuses.
            Err(err) => Err(Kind::Unverifiable(err)),
        }
    }

    /// The same work as verifying a real hash made with these parameters: the verifier
    /// recomputes the hash from the stored salt and parameters, whatever the stored output.
    /// No known password hashes to the dummy's all-zero output, and the outcome is discarded
    /// anyway.
    fn dummy_verify(&self, password: &str) -> Result<(), Kind> {
        let dummy = self.dummy.as_ref().map_err(|err| Kind::Hashing(*err))?;
        let _discarded = self
            .argon2
            .verify_password(password.as_bytes(), &dummy.password_hash());
        Ok(())
    }

    /// Whether `hash` is what [`Inner::hash`] would make now: argon2id, version 0x13, and the
    /// same parameters and output length.
    fn is_current(&self, hash: &PasswordHash<'_>) -> bool {
        hash.algorithm == Algorithm::Argon2id.ident()
            && hash.version == Some(Version::V0x13.into())
            && Params::try_from(hash).is_ok_and(|stored| same_params(&stored, &self.params))
    }
}

fn same_params(stored: &Params, configured: &Params) -> bool {
    let output_len = |params: &Params| params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    stored.m_cost() == configured.m_cost()
        && stored.t_cost() == configured.t_cost()
        && stored.p_cost() == configured.p_cost()
        && stored.keyid() == configured.keyid()
        && stored.data() == configured.data()
        && output_len(stored) == output_len(configured)
}

/// 16 random bytes (the PHC recommendation), from rand's thread-local CSPRNG: the generator
/// `random.rs` draws login ids from. Not argon2's `SaltString::generate`, which needs a
/// `rand_core` 0.6 source with the OS backend that nothing here enables.
fn random_salt() -> [u8; Salt::RECOMMENDED_LENGTH] {
    use rand::RngCore as _;

    let mut salt = [0; Salt::RECOMMENDED_LENGTH];
    rand::rng().fill_bytes(&mut salt);
    salt
}

/// A PHC string with these parameters, a random salt and an all-zero output, built without
/// hashing anything: made with each `Passwords`, it costs nothing, so even the first unknown
/// user takes no longer than the others.
fn dummy_hash(params: &Params) -> Result<PasswordHashString, password_hash::Error> {
    const ZEROS: [u8; Output::MAX_LENGTH] = [0; Output::MAX_LENGTH];
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = ZEROS
        .get(..output_len)
        .ok_or(password_hash::Error::OutputSize {
            provided: std::cmp::Ordering::Greater,
            expected: Output::MAX_LENGTH,
        })?;
    let salt = SaltString::encode_b64(&random_salt())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(output)?),
    };
    Ok(hash.serialize())
}

/// What [`Passwords::verify`] found.
///
/// ```
/// use login_runtime::password::{Params, Passwords, Verified};
///
/// # actix_web::rt::System::new().block_on(async {
/// # let passwords = Passwords::with_params(Params::new(64, 1, 1, None)?);
/// # let stored = passwords.hash("hunter2").await?;
/// match passwords.verify("hunter2", Some(&stored)).await? {
///     Verified::Match { needs_rehash } => {
///         if needs_rehash {
///             // Store it in place of the old one.
///             let _new_hash = passwords.hash("hunter2").await?;
///         }
///         // log the user in
///     }
///     Verified::Mismatch => panic!("the right password"),
/// }
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[must_use = "a mismatch must refuse the login"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The password is right.
    Match {
        /// The stored hash was made with another algorithm, version or parameters than the
        /// configured ones: hash the password again (it is at hand only now) and store that.
        needs_rehash: bool,
    },
    /// A wrong password, an unknown user, or a password over [`MAX_PASSWORD_BYTES`].
    Mismatch,
}

impl Verified {
    /// Whether the password is right.
    ///
    /// ```
    /// use login_runtime::password::Verified;
    ///
    /// assert!(Verified::Match { needs_rehash: true }.is_match());
    /// assert!(!Verified::Mismatch.is_match());
    /// ```
    #[must_use]
    pub fn is_match(self) -> bool {
        matches!(self, Self::Match { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(m: u32, t: u32, p: u32, output_len: Option<usize>) -> Params {
        Params::new(m, t, p, output_len).unwrap_or_else(|err| unreachable!("{err}"))
    }

    #[test]
    fn the_default_parameters_are_owasps() {
        let params = &Passwords::new().inner.params;
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19 * 1024, 2, 1)
        );
    }

    #[test]
    fn any_difference_in_the_parameters_needs_a_rehash() {
        let configured = params(64, 2, 1, None);
        assert!(same_params(&params(64, 2, 1, Some(32)), &configured));
        let key_id = argon2::KeyId::new(b"k1").unwrap_or_else(|e| unreachable!("{e}"));
        let data = argon2::AssociatedData::new(b"app").unwrap_or_else(|e| unreachable!("{e}"));
        let mut with_key_id = argon2::ParamsBuilder::new();
        with_key_id.m_cost(64).t_cost(2).p_cost(1).keyid(key_id);
        let mut with_data = argon2::ParamsBuilder::new();
        with_data.m_cost(64).t_cost(2).p_cost(1).data(data);
        for stored in [
            params(128, 2, 1, None),
            params(64, 1, 1, None),
            params(64, 2, 2, None),
            params(64, 2, 1, Some(16)),
            with_key_id.build().unwrap_or_else(|e| unreachable!("{e}")),
            with_data.build().unwrap_or_else(|e| unreachable!("{e}")),
        ] {
            assert!(!same_params(&stored, &configured), "{stored:?}");
        }
    }

    #[test]
    fn another_variant_or_version_needs_a_rehash() {
        let passwords = Passwords::with_params(params(64, 1, 1, None));
        let salt = SaltString::encode_b64(&random_salt()).unwrap_or_else(|e| unreachable!("{e}"));
        for (algorithm, version) in [
            (Algorithm::Argon2i, Version::V0x13),
            (Algorithm::Argon2d, Version::V0x13),
            (Algorithm::Argon2id, Version::V0x10),
        ] {
            let stored = Argon2::new(algorithm, version, params(64, 1, 1, None))
                .hash_password(b"hunter2", &salt)
                .unwrap_or_else(|e| unreachable!("{e}"))
                .to_string();
            assert!(passwords.needs_rehash(&stored), "{stored}");
            assert_eq!(
                passwords.inner.verify("hunter2", Some(&stored)).ok(),
                Some(Verified::Match { needs_rehash: true }),
                "{stored}"
            );
        }
    }

    #[test]
    fn a_password_over_the_bound_is_a_mismatch_even_when_it_is_the_stored_one() {
        let passwords = Passwords::with_params(params(64, 1, 1, None));
        let salt = SaltString::encode_b64(&random_salt()).unwrap_or_else(|e| unreachable!("{e}"));
        for (len, expected) in [
            (
                MAX_PASSWORD_BYTES,
                Verified::Match {
                    needs_rehash: false,
                },
            ),
            (MAX_PASSWORD_BYTES + 1, Verified::Mismatch),
        ] {
            let password = "x".repeat(len);
            // Made by argon2 itself: `hash` refuses the longer one.
            let stored = passwords
                .inner
                .argon2
                .hash_password(password.as_bytes(), &salt)
                .unwrap_or_else(|e| unreachable!("{e}"))
                .to_string();
            assert_eq!(
                passwords.inner.verify(&password, Some(&stored)).ok(),
                Some(expected),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn the_dummy_is_a_valid_hash_with_the_configured_parameters() {
        let passwords = Passwords::with_params(params(64, 1, 1, None));
        let dummy = passwords
            .inner
            .dummy
            .as_ref()
            .map(|dummy| dummy.to_string());
        let dummy = dummy.unwrap_or_else(|e| unreachable!("{e}"));
        assert!(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{dummy}");
        assert!(!passwords.needs_rehash(&dummy));
    }

    #[test]
    fn parameters_that_cannot_make_a_phc_string_fail_every_call_loudly() {
        let passwords = Passwords::with_params(params(64, 1, 1, Some(65)));
        assert!(passwords.hash_blocking("hunter2").is_err());
        assert!(passwords.inner.verify("hunter2", None).is_err());
    }
}
