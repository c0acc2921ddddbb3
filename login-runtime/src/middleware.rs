//! The middleware a `LoginManager` becomes: it gives each request its login state and, on the
//! way out, applies what the request changed to the response.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_session::SessionExt;
use actix_web::HttpMessage;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};

use crate::config::Config;
use crate::request_state::RequestState;
use crate::{LoginManager, UserLoader};

impl<S, B, U> Transform<S, ServiceRequest> for LoginManager<U>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    U: UserLoader,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = LoginMiddleware<S, U>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Configuration mistakes stop the app at startup, with the reason in the log.
        let config = match self.startup_config() {
            Ok(config) => config,
            Err(reason) => {
                tracing::error!(target: "login_runtime", "cannot start `LoginManager`: {reason}");
                return std::future::ready(Err(()));
            }
        };
        std::future::ready(Ok(LoginMiddleware {
            service,
            config,
            session_ok: Cell::new(None),
            user: PhantomData,
        }))
    }
}

/// The service [`LoginManager`] wraps around the app; not used directly.
pub struct LoginMiddleware<S, U> {
    service: S,
    config: Arc<Config<U>>,
    /// Whether actix-session's middleware runs before this one: probed on the first request.
    session_ok: Cell<Option<bool>>,
    user: PhantomData<fn() -> U>,
}

impl<S, B, U> Service<ServiceRequest> for LoginMiddleware<S, U>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    U: UserLoader,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LoginFuture<S::Future, U>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let session_ok = match self.session_ok.get() {
            Some(known) => known,
            None => {
                let probed = session_middleware_ran(&req);
                self.session_ok.set(Some(probed));
                probed
            }
        };
        let state = RequestState::<U>::install(&req, &self.config, session_ok);
        #[cfg(feature = "test-kit")]
        crate::testkit::apply::<U>(&req);
        LoginFuture {
            inner: self.service.call(req),
            state: Some(state),
        }
    }
}

/// Whether actix-session's `SessionMiddleware` has already put its session into this request.
///
/// actix-session's state type is private, and `get_session()` silently creates an empty session
/// when there is none, so a missing or misordered middleware would otherwise go unnoticed and
/// every login would be lost. The probe: with the extensions set aside, `get_session()` creates
/// a throwaway session; putting the set-aside extensions back over it replaces the throwaway only
/// if a real session was there. The throwaway is empty and unchanged, so it never sets a cookie.
///
/// The middleware order is fixed when the app is built, so the manager probes only its first
/// request and remembers the answer.
fn session_middleware_ran(req: &ServiceRequest) -> bool {
    let saved = std::mem::take(&mut *req.extensions_mut());
    let throwaway = req.get_session();
    let mut ext = req.extensions_mut();
    let mut merged = std::mem::take(&mut *ext);
    merged.extend(saved);
    *ext = merged;
    drop(ext);
    let current = req.get_session();
    !std::ptr::eq(&*throwaway.entries(), &*current.entries())
}

pin_project_lite::pin_project! {
    /// Applies the request's cookie changes to its response.
    #[doc(hidden)]
    pub struct LoginFuture<F, U> {
        #[pin]
        inner: F,
        state: Option<Rc<RequestState<U>>>,
    }
}

impl<F, B, U> Future for LoginFuture<F, U>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
    U: UserLoader,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        if let Some(state) = this.state.take() {
            state.finish(&mut response);
        }
        Poll::Ready(Ok(response))
    }
}
