//! The request state without its user type: what `#[login_required]`, `RequireLogin`,
//! `logout_user` and friends use, since they do not name the user type.

use std::rc::Rc;

use actix_web::{HttpMessage, HttpRequest};

use super::RequestState;
use crate::UserLoader;
use crate::error::LoginError;
use crate::future::LocalBoxFuture;

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

impl<U: UserLoader> UntypedState for RequestState<U> {
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>> {
        Box::pin(async move {
            if self.config.exempt_methods.contains(req.method()) {
                return Ok(());
            }
            match self.identity(req).await? {
                Some(identity) if identity.fresh || !fresh => Ok(()),
                Some(_) => Err(self.config.needs_refresh(req)),
                None => Err(self.config.unauthorized(req, login_view)),
            }
        })
    }

    fn logout(&self, req: &HttpRequest) -> Result<(), LoginError> {
        RequestState::logout(self, req)
    }

    fn confirm(&self, req: &HttpRequest) -> Result<(), LoginError> {
        RequestState::confirm(self, req)
    }

    fn login_fresh(&self, req: &HttpRequest) -> bool {
        RequestState::login_fresh(self, req)
    }

    fn login_remembered(&self, req: &HttpRequest) -> bool {
        RequestState::login_remembered(self, req)
    }

    fn user_type(&self) -> &'static str {
        std::any::type_name::<U>()
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}
