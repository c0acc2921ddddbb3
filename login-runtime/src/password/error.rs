//! Why hashing or verifying failed, and the response that says as little as possible about it.

use std::fmt;

use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use argon2::password_hash;

use super::MAX_PASSWORD_BYTES;

/// Hashing or verifying failed. A handler returns it with `?`: `500` with an opaque body (the
/// cause is logged once, with `tracing`, when the error is made), or `400` for a password over
/// [`MAX_PASSWORD_BYTES`] given to [`Passwords::hash`](super::Passwords::hash).
///
/// ```
/// use actix_web::{ResponseError, body::MessageBody};
/// use login_runtime::password::Passwords;
///
/// # actix_web::rt::System::new().block_on(async {
/// let err = Passwords::new().verify("hunter2", Some("$md5$garbage")).await.unwrap_err();
/// let res = err.error_response();
/// assert_eq!(res.status(), 500);
/// assert_eq!(res.into_body().try_into_bytes().unwrap(), "internal server error");
/// # });
/// ```
#[derive(Debug)]
pub struct PasswordError {
    kind: Kind,
}

#[derive(Debug)]
pub(super) enum Kind {
    /// A password of this many bytes, over [`MAX_PASSWORD_BYTES`], given to `hash`.
    TooLong(usize),
    /// A stored hash that is malformed, or not argon2.
    Unverifiable(password_hash::Error),
    /// The configured parameters cannot make a PHC string.
    Hashing(password_hash::Error),
    /// actix's blocking pool did not run the work: the runtime is shutting down, or it panicked.
    Blocking(BlockingError),
}

impl PasswordError {
    /// Logs the cause, once: the response says nothing of it.
    pub(super) fn new(kind: Kind) -> Self {
        match &kind {
            // What a visitor typed: a warning, as for a refused CSRF token, not an error.
            Kind::TooLong(len) => tracing::warn!(
                target: "login_runtime",
                "refused to hash a password of {len} bytes (the bound is {MAX_PASSWORD_BYTES}); \
                 answering 400"
            ),
            Kind::Unverifiable(cause) => tracing::error!(
                target: "login_runtime",
                "a stored password hash cannot be verified: {cause}; it must be an argon2 PHC \
                 string as `Passwords::hash` makes them; answering 500"
            ),
            Kind::Hashing(cause) => tracing::error!(
                target: "login_runtime",
                "password hashing failed: {cause}; check the parameters given to \
                 `Passwords::with_params`; answering 500"
            ),
            Kind::Blocking(cause) => tracing::error!(
                target: "login_runtime",
                "the blocking thread pool did not run the password work: {cause}; answering 500"
            ),
        }
        Self { kind }
    }

    /// Whether [`Passwords::hash`](super::Passwords::hash) refused a password over
    /// [`MAX_PASSWORD_BYTES`]: the one failure worth telling the user about (say, on a sign-up
    /// form).
    ///
    /// ```
    /// use login_runtime::password::Passwords;
    ///
    /// let err = Passwords::new().hash_blocking(&"x".repeat(5000)).unwrap_err();
    /// assert!(err.is_too_long());
    /// ```
    #[must_use]
    pub fn is_too_long(&self) -> bool {
        matches!(self.kind, Kind::TooLong(_))
    }
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::TooLong(len) => write!(
                f,
                "the password is {len} bytes long, over the bound of {MAX_PASSWORD_BYTES}"
            ),
            Kind::Unverifiable(cause) => {
                write!(f, "a stored password hash cannot be verified: {cause}")
            }
            Kind::Hashing(cause) => write!(f, "password hashing failed: {cause}"),
            Kind::Blocking(cause) => write!(f, "the blocking thread pool failed: {cause}"),
        }
    }
}

impl std::error::Error for PasswordError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::TooLong(_) => None,
            Kind::Unverifiable(cause) | Kind::Hashing(cause) => Some(cause),
            Kind::Blocking(cause) => Some(cause),
        }
    }
}

impl ResponseError for PasswordError {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            Kind::TooLong(_) => StatusCode::BAD_REQUEST,
            Kind::Unverifiable(_) | Kind::Hashing(_) | Kind::Blocking(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self.kind {
            Kind::TooLong(_) => "password too long",
            Kind::Unverifiable(_) | Kind::Hashing(_) | Kind::Blocking(_) => "internal server error",
        };
        HttpResponse::build(self.status_code())
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ))
            .body(body)
    }
}
