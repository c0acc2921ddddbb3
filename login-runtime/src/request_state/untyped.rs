//! `RequestState` as the untyped state the guard, `RequireLogin` and `logout_user` use.

use std::any::type_name;
use std::rc::Rc;

use actix_web::error::InternalError;
use actix_web::{HttpRequest, HttpResponse};

use super::RequestState;
use crate::UserLoader;
use crate::error::LoginError;
use crate::future::LocalBoxFuture;
use crate::permission::{Required, holds_all};
use crate::untyped_state::ThrottleClient;
use crate::untyped_state::UntypedState;

impl<U: UserLoader> UntypedState for RequestState<U> {
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
        required: Option<&'a Required>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>> {
        Box::pin(async move {
            // Exempt from the login check, not from the guard: an anonymous caller (a CORS
            // preflight, say), a stale login on a fresh-only handler, or a user without the
            // permission gets an empty answer, never the handler's body.
            let exempt = self.config.exempt_methods.contains(req.method());
            let identity = match self.identity(req).await? {
                Some(identity) if identity.fresh || !fresh => identity,
                _ if exempt => return Err(no_content()),
                Some(_) => return Err(self.config.needs_refresh(req)),
                None => return Err(self.config.unauthorized(req, login_view)),
            };
            let Some(required) = required.filter(|required| !required.0.is_empty()) else {
                return Ok(());
            };
            let set = self.permissions_of(&identity.user, req).await?;
            match holds_all(&*set, &required.0, type_name::<U>())? {
                true => Ok(()),
                false if exempt => Err(no_content()),
                false => Err(self.config.forbidden(req, &identity.user)),
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
        type_name::<U>()
    }

    fn throttle_client(&self, req: &HttpRequest) -> ThrottleClient {
        let (proxies, header) = (&self.config.trusted_proxies, self.config.forwarded_header);
        let config = std::sync::Arc::clone(&self.config);
        ThrottleClient {
            address: crate::protection::client_address(req, proxies, header),
            report: Box::new(move |req, throttled| {
                let event = crate::LoginEvent::Throttled(throttled);
                crate::events::emit(config.listener.as_ref(), req, &event);
            }),
        }
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}

/// What an exempt method gets instead of the guarded handler's body.
fn no_content() -> actix_web::Error {
    InternalError::from_response("exempt method", HttpResponse::NoContent().finish()).into()
}
