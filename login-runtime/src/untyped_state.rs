//! The request state without its user type: what `#[login_required]`, `RequireLogin`,
//! `logout_user` and friends use, since they do not name the user type.

use std::rc::Rc;

use actix_web::{HttpMessage, HttpRequest};

use crate::error::LoginError;
use crate::events::Throttled;
use crate::future::LocalBoxFuture;
use crate::permission::Required;
use crate::protection::ClientAddress;

/// The request's type-erased state, or the misconfiguration that explains its absence.
/// `who` names the caller in the log line, e.g. "`RequireLogin` on".
pub(crate) fn untyped_state(
    req: &HttpRequest,
    who: &str,
) -> Result<Rc<dyn UntypedState>, LoginError> {
    let state = req.extensions().get::<Rc<dyn UntypedState>>().cloned();
    state.ok_or_else(|| {
        LoginError::misconfigured(format!(
            "{who} {} needs a `LoginManager`; add `.wrap(LoginManager::<User>::new())` to the `App`",
            req.path()
        ))
    })
}

/// The part of the request state that needs no user type: what `#[login_required]`,
/// `RequireLogin`, `logout_user` and friends use.
pub(crate) trait UntypedState {
    /// `Ok` when the request may proceed; otherwise the unauthorized, needs-refresh or
    /// forbidden (a permission of `required` is missing) response.
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
        required: Option<&'a Required>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>>;
    fn logout<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Result<(), LoginError>>;
    fn confirm<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Result<(), LoginError>>;
    fn login_fresh<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, bool>;
    fn login_remembered<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, bool>;
    /// The message a refusal's marker cookie names; the response then deletes the cookie.
    fn take_marked_message(&self, req: &HttpRequest, marker: &str) -> Option<(String, String)>;
    fn user_type(&self) -> &'static str;
    /// For `LoginThrottle`: the client's address as session protection sees it (S7), and the
    /// manager's listener, to report a refused attempt to.
    fn throttle_client(&self, req: &HttpRequest) -> ThrottleClient;
    /// For the typed accessors: the state as `Any`, to downcast to `RequestState<U>`.
    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any>;
}

/// What the throttle needs from the manager serving the request: the client's address as
/// session protection sees it (trusted proxies only, S7), and where to report a refusal (the
/// manager's listener, which only the typed state can reach).
pub(crate) struct ThrottleClient {
    pub(crate) address: Option<ClientAddress>,
    pub(crate) report: Report,
}

/// Reports a refused attempt as `LoginEvent::Throttled`.
pub(crate) type Report = Box<dyn Fn(&HttpRequest, &Throttled)>;
