//! The error a login handler returns for an attempt that was not let through. What a refused
//! attempt carries, `Throttled`, is an event payload, in `events.rs`.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::error::LoginError;
pub use crate::events::{ThrottleScope, Throttled};

/// A login attempt was not let through, or could not be decided.
///
/// As an actix error (`?` in the handler) it answers:
///
/// - `429 Too Many Requests` with `Retry-After` (whole seconds, rounded up) and the body
///   `too many login attempts` when the attempt was throttled;
/// - `503 Service Unavailable` with `Retry-After: 1` when the store could not answer in time
///   (fail closed: never a silent pass);
/// - `500` when no `LoginManager` wraps the route (logged with the fix).
///
/// ```
/// use actix_web::{HttpResponse, ResponseError};
/// use login_runtime::ThrottleError;
///
/// fn answer(err: &ThrottleError) -> HttpResponse {
///     match err.throttled() {
///         // Say it in the app's own words, on the login form.
///         Some(throttled) => HttpResponse::TooManyRequests()
///             .insert_header(("Retry-After", throttled.retry_after_secs()))
///             .body("Too many attempts. Try again in a moment."),
///         None => err.error_response(),
///     }
/// }
/// # let _ = answer;
/// ```
#[derive(Debug)]
pub struct ThrottleError {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Throttled(Throttled),
    Unavailable(String),
    Misconfigured(LoginError),
}

impl ThrottleError {
    pub(crate) fn throttled_by(throttled: Throttled) -> Self {
        Self {
            kind: Kind::Throttled(throttled),
        }
    }

    /// Logs the cause once; the `503` says nothing of it.
    pub(crate) fn unavailable(cause: String) -> Self {
        tracing::error!(
            target: "login_runtime",
            "the login throttle's store is unavailable: {cause}; answering 503"
        );
        Self {
            kind: Kind::Unavailable(cause),
        }
    }

    pub(crate) fn misconfigured(err: LoginError) -> Self {
        Self {
            kind: Kind::Misconfigured(err),
        }
    }

    /// The refusal, when the attempt was throttled (`429`); `None` for an outage or a
    /// misconfiguration.
    pub fn throttled(&self) -> Option<&Throttled> {
        match &self.kind {
            Kind::Throttled(throttled) => Some(throttled),
            Kind::Unavailable(_) | Kind::Misconfigured(_) => None,
        }
    }

    /// Whether the store failed or did not answer in time (`503`).
    pub fn is_unavailable(&self) -> bool {
        matches!(self.kind, Kind::Unavailable(_))
    }
}

impl fmt::Display for ThrottleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Throttled(throttled) => write!(
                f,
                "login attempt throttled by the {} count ({} failures); retry after {:?}",
                match throttled.scope {
                    ThrottleScope::Account => "account",
                    ThrottleScope::Address => "address",
                },
                throttled.failures,
                throttled.retry_after
            ),
            Kind::Unavailable(cause) => {
                write!(f, "the login throttle's store is unavailable: {cause}")
            }
            Kind::Misconfigured(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ThrottleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Misconfigured(err) => Some(err),
            Kind::Throttled(_) | Kind::Unavailable(_) => None,
        }
    }
}

impl ResponseError for ThrottleError {
    fn status_code(&self) -> StatusCode {
        match &self.kind {
            Kind::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Kind::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Misconfigured(err) => err.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match &self.kind {
            Kind::Throttled(_) => "too many login attempts",
            Kind::Unavailable(_) => "service unavailable",
            Kind::Misconfigured(err) => return err.error_response(),
        };
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        ));
        match &self.kind {
            Kind::Throttled(throttled) => {
                response.insert_header((header::RETRY_AFTER, throttled.retry_after_secs()));
            }
            // As `FailClosed` answers a session-store outage: try again in a moment.
            Kind::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, 1));
            }
            Kind::Misconfigured(_) => {}
        }
        response.body(body)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    // Only a failing store (Redis, in tests/tests/redis_throttle.rs) makes an outage in a real
    // request; these pin how an app tells an outage from a refusal without one.
    #[test]
    fn an_outage_is_unavailable_and_answers_503_a_refusal_is_neither() {
        let outage = ThrottleError::unavailable("connection refused".to_owned());
        assert!(outage.is_unavailable());
        assert!(outage.throttled().is_none());
        let response = outage.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("1"))
        );

        let refusal = ThrottleError::throttled_by(Throttled {
            retry_after: Duration::from_millis(1500),
            scope: ThrottleScope::Account,
            failures: 5,
            account: "notch".to_owned(),
        });
        assert!(!refusal.is_unavailable());
        let response = refusal.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("2"))
        );
    }
}
