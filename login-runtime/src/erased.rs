//! The request state without its user type: what `#[login_required]`, `RequireLogin`,
//! `logout_user` and friends use, since they do not name the user type.

use std::rc::Rc;

use actix_session::SessionExt;
use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest};

use crate::error::LoginError;
use crate::state::LocalBoxFuture;

/// The request's type-erased state, or the misconfiguration that explains its absence.
/// `who` names the caller in the log line, e.g. "`RequireLogin` on".
pub(crate) fn erased_state(
    req: &HttpRequest,
    who: &str,
) -> Result<Rc<dyn ErasedState>, LoginError> {
    let state = req.extensions().get::<Rc<dyn ErasedState>>().cloned();
    state.ok_or_else(|| {
        LoginError::misconfigured(format!(
            "{who} {} needs a `LoginManager`; add `.wrap(LoginManager::<User>::new())` to the `App`",
            req.path()
        ))
    })
}

/// The part of the request state that needs no user type: what `#[login_required]`,
/// `RequireLogin`, `logout_user` and friends use.
pub(crate) trait ErasedState {
    /// `Ok` when the request may proceed; otherwise the unauthorized (or needs-refresh) response.
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>>;
    fn logout(&self, req: &HttpRequest) -> Result<(), LoginError>;
    fn confirm(&self, req: &HttpRequest) -> Result<(), LoginError>;
    fn login_fresh(&self, req: &HttpRequest) -> bool;
    fn login_remembered(&self, req: &HttpRequest) -> bool;
    fn user_type(&self) -> &'static str;
    /// For the typed accessors: the state as `Any`, to downcast to `RequestState<U>`.
    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any>;
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
pub(crate) fn session_middleware_ran(req: &ServiceRequest) -> bool {
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
