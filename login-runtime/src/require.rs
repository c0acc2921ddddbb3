//! `RequireLogin`: the `#[login_required]` check as middleware, for a whole `web::scope`.

use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};

use crate::future::LocalBoxFuture;
use crate::permission::{AnyPermission, Permission, Required};
use crate::untyped_state::untyped_state;

/// Requires a login for every route it wraps.
///
/// ```
/// use actix_web::web;
/// use login_runtime::RequireLogin;
///
/// let admin = web::scope("/admin")
///     .wrap(RequireLogin::new().fresh().login_view("/admin/login"))
///     .route("", web::get().to(|| async { "admin" }));
/// ```
///
/// It must sit inside `LoginManager` (wrap the scope; wrap the app with the manager).
#[derive(Debug, Clone, Default)]
pub struct RequireLogin {
    fresh: bool,
    login_view: Option<Rc<str>>,
    required: Option<Required>,
}

impl RequireLogin {
    /// Requires any login.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also requires a fresh login, like `#[login_required(fresh)]`.
    pub fn fresh(self) -> Self {
        Self {
            fresh: true,
            ..self
        }
    }

    /// Also requires `permission`, like `#[login_required(permission = ..)]`: a logged-in user
    /// without it gets `403` (or the manager's forbidden handler). Call it again to require
    /// several; all of them are then required.
    ///
    /// ```
    /// use actix_web::web;
    /// use login_runtime::RequireLogin;
    ///
    /// #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    /// enum Role { Admin }
    /// impl login_runtime::Permission for Role {}
    ///
    /// let admin = web::scope("/admin")
    ///     .wrap(RequireLogin::new().permission(Role::Admin))
    ///     .route("", web::get().to(|| async { "admin" }));
    /// ```
    pub fn permission<P: Permission>(self, permission: P) -> Self {
        let mut permissions: Vec<Box<dyn AnyPermission>> = match &self.required {
            Some(required) => required.0.iter().map(|p| p.boxed_clone()).collect(),
            None => Vec::new(),
        };
        permissions.push(Box::new(permission));
        Self {
            required: Some(Required::all(permissions)),
            ..self
        }
    }

    /// Sends unauthorized requests to this login view instead of the manager's.
    pub fn login_view(self, login_view: impl Into<String>) -> Self {
        Self {
            login_view: Some(Rc::from(login_view.into())),
            ..self
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequireLogin
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RequireLoginMiddleware<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(RequireLoginMiddleware {
            service: Rc::new(service),
            options: self.clone(),
        }))
    }
}

/// The service [`RequireLogin`] wraps around a scope; not used directly.
pub struct RequireLoginMiddleware<S> {
    service: Rc<S>,
    options: RequireLogin,
}

impl<S, B> Service<ServiceRequest> for RequireLoginMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let options = self.options.clone();
        Box::pin(async move {
            // A clone of the request must be gone before the inner service takes it over.
            let checked = {
                let http = req.request().clone();
                match untyped_state(&http, "`RequireLogin` on") {
                    Ok(state) => {
                        state
                            .require(
                                &http,
                                options.fresh,
                                options.login_view.as_deref(),
                                options.required.as_ref(),
                            )
                            .await
                    }
                    Err(err) => Err(err.into()),
                }
            };
            match checked {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(refusal) => {
                    let response = refusal.error_response();
                    Ok(req.into_response(response).map_into_right_body())
                }
            }
        })
    }
}
