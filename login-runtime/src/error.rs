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
}

impl LoginError {
    pub(crate) fn misconfigured(fix: String) -> Self {
        tracing::error!(target: "login_runtime", "login-runtime is misconfigured: {fix}");
        Self::Misconfigured(fix)
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
        }
    }
}

impl std::error::Error for LoginError {}

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ))
            .body("internal server error")
    }
}
