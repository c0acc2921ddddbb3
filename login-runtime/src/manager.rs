//! `LoginManager`: the middleware that gives every request its lazily loaded user.

use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::UserLoader;
use crate::next::login_url;
use crate::state::RequestState;

/// The login middleware for user type `U`.
///
/// It makes the current user available to [`CurrentUser`](crate::CurrentUser),
/// [`Authenticated`](crate::Authenticated) and `#[login_required]`, loading it lazily: a request
/// that never asks for the user runs no loader and leaves the session untouched.
///
/// It must sit inside actix-session's `SessionMiddleware`. Because the last `.wrap` runs first,
/// that means registering `SessionMiddleware` *after* it:
///
/// ```no_run
/// # use actix_web::{App, cookie::Key};
/// # use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// # use login_runtime::{LoginManager, UserMixin, user_loader};
/// # #[derive(Clone, UserMixin)] struct User { id: u64 }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { Some(User { id }) }
/// let key = Key::generate();
/// let app = App::new()
///     .wrap(LoginManager::<User>::new().login_view("/login"))
///     .wrap(SessionMiddleware::new(CookieSessionStore::default(), key));
/// ```
///
/// Clone it into `HttpServer::new`'s factory: the configuration is shared, not copied.
pub struct LoginManager<U> {
    config: Arc<Config>,
    user: PhantomData<fn() -> U>,
}

/// Configuration shared by every request a manager serves.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    login_view: Option<String>,
    exempt_methods: Vec<Method>,
}

impl<U: UserLoader> LoginManager<U> {
    /// A manager with Flask-Login's defaults: no login view (unauthorized requests get 401) and
    /// `OPTIONS` exempt from login checks (CORS preflights carry no cookies).
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                login_view: None,
                exempt_methods: vec![Method::OPTIONS],
            }),
            user: PhantomData,
        }
    }

    /// Where unauthorized browsers are sent: `302` to `login_view?next=<path and query>`.
    ///
    /// Without a login view, unauthorized requests get `401 Unauthorized`.
    pub fn login_view(self, login_view: impl Into<String>) -> Self {
        let login_view = Some(login_view.into());
        self.configure(|config| config.login_view = login_view)
    }

    /// The methods that pass `#[login_required]` without a check (default: `OPTIONS`).
    pub fn exempt_methods(self, methods: impl IntoIterator<Item = Method>) -> Self {
        let methods = methods.into_iter().collect();
        self.configure(|config| config.exempt_methods = methods)
    }

    fn configure(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        // Builders run before the manager is cloned into workers, so this never copies.
        edit(Arc::make_mut(&mut self.config));
        self
    }
}

impl<U: UserLoader> Default for LoginManager<U> {
    fn default() -> Self {
        Self::new()
    }
}

impl<U> Clone for LoginManager<U> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
            user: PhantomData,
        }
    }
}

impl<U> std::fmt::Debug for LoginManager<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginManager")
            .field("user", &std::any::type_name::<U>())
            .field("config", &self.config)
            .finish()
    }
}

impl Config {
    pub(crate) fn is_exempt(&self, method: &Method) -> bool {
        self.exempt_methods.contains(method)
    }

    /// The response for a request that needs a login and has none (Flask's `unauthorized()`).
    pub(crate) fn unauthorized(&self, req: &HttpRequest) -> actix_web::Error {
        let response = match &self.login_view {
            Some(view) => redirect(&login_url(view, Some(&request_target(req)), "next")),
            None => plain(HttpResponse::Unauthorized(), "login required"),
        };
        InternalError::from_response("login required", response).into()
    }

    /// The response for a request that needs a fresh login and has a stale one.
    pub(crate) fn needs_refresh(&self, _req: &HttpRequest) -> actix_web::Error {
        let response = plain(HttpResponse::Unauthorized(), "fresh login required");
        InternalError::from_response("fresh login required", response).into()
    }
}

/// The request's path and query: the only parts `next` is built from, never `Host` or
/// forwarding headers (spec/next-url.md).
fn request_target(req: &HttpRequest) -> String {
    let uri = req.uri();
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

fn redirect(location: &str) -> HttpResponse {
    match HeaderValue::try_from(location) {
        Ok(location) => HttpResponse::Found()
            .insert_header((header::LOCATION, location))
            .finish(),
        // `login_url` percent-encodes, so this only happens for a login view with raw control
        // characters, which is a configuration mistake rather than a request one.
        Err(_) => {
            tracing::error!(target: "login_runtime", "login view {location:?} is not a valid header value");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn plain(mut builder: actix_web::HttpResponseBuilder, body: &'static str) -> HttpResponse {
    builder
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        ))
        .body(body)
}

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
        std::future::ready(Ok(LoginMiddleware {
            service,
            config: Arc::clone(&self.config),
            user: PhantomData,
        }))
    }
}

/// The service [`LoginManager`] wraps around the app; not used directly.
pub struct LoginMiddleware<S, U> {
    service: S,
    config: Arc<Config>,
    user: PhantomData<fn() -> U>,
}

impl<S, B, U> Service<ServiceRequest> for LoginMiddleware<S, U>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    U: UserLoader,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    // Nothing happens on the way out yet, so the inner future is returned as is: no boxing.
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        RequestState::<U>::install(&req, &self.config);
        self.service.call(req)
    }
}
