//! `503` for a session store outage.
//!
//! actix-session turns every store error into an opaque `500` (its `e500`), so the status
//! cannot come from the store. Instead, the stores of this module mark the request's task
//! when a call fails or times out, and [`FailClosed`], which runs outside `SessionMiddleware`,
//! replaces the resulting error with a `503`. Errors that did not come from a store outage
//! (a bug, a failed loader) keep their own status.

use std::cell::Cell;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::header;
use actix_web::{Error, HttpResponse};

tokio::task_local! {
    /// Set while `FailClosed` handles a request: whether a store call of it failed.
    static FAULT: Cell<bool>;
}

/// Records that a store call of the current request failed or timed out (a no-op outside
/// [`FailClosed`]).
pub(crate) fn mark_fault() {
    let _ = FAULT.try_with(|fault| fault.set(true));
}

/// Answers `503 Service Unavailable` (with `Retry-After: 1`) when the session store failed or
/// did not answer in time, where actix-session alone answers `500`.
///
/// Like actix-session's `500`, the `503` leaves the middleware as an `Err` whose response the
/// server sends (in `actix_web::test`, read it with `try_call_service` and
/// `err.error_response()`).
///
/// Register it **after** `SessionMiddleware` (so it runs first, around it), with
/// [`RedisSessions`](super::RedisSessions) or [`Bounded`](super::Bounded) as the store:
///
/// ```
/// # use std::time::Duration;
/// use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// use actix_web::{App, cookie::Key};
/// use login_runtime::redis::{Bounded, FailClosed};
///
/// # let store = Bounded::new(CookieSessionStore::default(), Duration::from_secs(1));
/// let app = App::new()
///     .wrap(SessionMiddleware::new(store, Key::generate()))
///     .wrap(FailClosed::default());
/// # let _ = app;
/// ```
///
/// The revocation store needs no such help: `LoginManager` answers its failures with `503`
/// itself.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct FailClosed;

impl<S, B> Transform<S, ServiceRequest> for FailClosed
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = FailClosedMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(FailClosedMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service [`FailClosed`] makes.
#[derive(Debug)]
pub struct FailClosedMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for FailClosedMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        Box::pin(FAULT.scope(Cell::new(false), async move {
            let result = service.call(req).await;
            match result {
                Err(err) if FAULT.with(Cell::get) => {
                    tracing::warn!(
                        target: "login_runtime",
                        "the session store is unavailable ({err}); answering 503"
                    );
                    // An error, as actix-session's own 500 is: the server renders it. (A
                    // response would need the `HttpRequest`, and holding a clone of it while
                    // the app routes the request is not allowed.)
                    let res = HttpResponse::ServiceUnavailable()
                        .insert_header((header::RETRY_AFTER, "1"))
                        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                        .insert_header((header::CACHE_CONTROL, "no-store"))
                        .body("service unavailable");
                    Err(InternalError::from_response(StoreUnavailable, res).into())
                }
                other => other,
            }
        }))
    }
}

/// The cause behind [`FailClosed`]'s `503`.
#[derive(Debug)]
struct StoreUnavailable;

impl std::fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session store is unavailable")
    }
}
