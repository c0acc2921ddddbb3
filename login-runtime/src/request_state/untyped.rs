//! `RequestState` as the untyped state the guard, `RequireLogin` and `logout_user` use.

use std::rc::Rc;

use actix_web::error::InternalError;
use actix_web::{HttpRequest, HttpResponse};

use super::RequestState;
use crate::UserLoader;
use crate::error::LoginError;
use crate::future::LocalBoxFuture;
use crate::untyped_state::UntypedState;

impl<U: UserLoader> UntypedState for RequestState<U> {
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>> {
        Box::pin(async move {
            if self.config.exempt_methods.contains(req.method()) {
                // Exempt from the login check, not from the guard: an anonymous caller (a CORS
                // preflight, say), or a stale login on a fresh-only handler, gets an empty
                // answer, never the handler's body.
                return match self.identity(req).await? {
                    Some(identity) if identity.fresh || !fresh => Ok(()),
                    _ => Err(InternalError::from_response(
                        "exempt method",
                        HttpResponse::NoContent().finish(),
                    )
                    .into()),
                };
            }
            match self.identity(req).await? {
                Some(identity) if identity.fresh || !fresh => Ok(()),
                Some(_) => Err(self.config.needs_refresh(req)),
                None => Err(self.config.unauthorized(req, login_view)),
            }
        })
    }

    fn logout<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Result<(), LoginError>> {
        Box::pin(RequestState::logout(self, req))
    }

    fn confirm<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Result<(), LoginError>> {
        Box::pin(RequestState::confirm(self, req))
    }

    fn login_fresh<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, bool> {
        Box::pin(RequestState::login_fresh(self, req))
    }

    fn login_remembered<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, bool> {
        Box::pin(RequestState::login_remembered(self, req))
    }

    fn take_marked_message(&self, req: &HttpRequest, marker: &str) -> Option<(String, String)> {
        self.message_taken.set(true);
        self.config.marked_message(req, marker)
    }

    fn user_type(&self) -> &'static str {
        std::any::type_name::<U>()
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}
