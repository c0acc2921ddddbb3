//! Errors: each answers with an opaque response and logs what to change.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

/// A failure inside login handling. The response body never reveals the cause; the cause is
/// logged once, with `tracing`, when the error is created.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginError {
    /// The app is wired up wrong; the message says what to change.
    Misconfigured(String),
    /// The user loader returned an error (a database blip, say). The session is kept.
    LoaderFailed(actix_web::Error),
    /// A store the login depends on (revocations) failed or did not answer in time: `503`,
    /// and nothing that needed it is granted or reported done.
    StoreUnavailable(String),
}

impl LoginError {
    pub(crate) fn misconfigured(fix: String) -> Self {
        tracing::error!(target: "login_runtime", "login-runtime is misconfigured: {fix}");
        Self::Misconfigured(fix)
    }

    pub(crate) fn store_unavailable(cause: &str) -> Self {
        tracing::error!(
            target: "login_runtime",
            "the revocation store is unavailable: {cause}; answering 503"
        );
        Self::StoreUnavailable(cause.to_owned())
    }

    pub(crate) fn loader_failed(user_type: &'static str, cause: actix_web::Error) -> Self {
        tracing::error!(
            target: "login_runtime",
            "a loader for `{user_type}` failed: {cause}; answering 500, keeping the session"
        );
        Self::LoaderFailed(cause)
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Misconfigured(fix) => write!(f, "login-runtime is misconfigured: {fix}"),
            Self::LoaderFailed(cause) => write!(f, "the user loader failed: {cause}"),
            Self::StoreUnavailable(cause) => {
                write!(f, "the revocation store is unavailable: {cause}")
            }
        }
    }
}

impl std::error::Error for LoginError {}

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Misconfigured(_) | Self::LoaderFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            Self::StoreUnavailable(_) => "service unavailable",
            Self::Misconfigured(_) | Self::LoaderFailed(_) => "internal server error",
        };
        HttpResponse::build(self.status_code())
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ))
            .body(body)
    }
}
