//! `LoginManager`: the middleware that gives every request its lazily loaded user.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_session::SessionExt;
use actix_web::cookie::Key;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::auth_hash::AuthTagger;
use crate::config::{Config, Localizer, Message, ResponseHook};
use crate::events::{Listener, LoginEvent};
use crate::future::LocalBoxFuture;
use crate::loader::RequestLoader;
use crate::remember::RememberMe;
use crate::request_state::RequestState;
use crate::{SessionProtection, UserLoader};

/// The login middleware for user type `U`.
///
/// It makes the current user available to [`CurrentUser`](crate::CurrentUser),
/// [`Authenticated`](crate::Authenticated) and `#[login_required]`, loading it lazily: a request
/// that never asks for the user runs no loader, leaves the session untouched and sets no cookie.
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
    config: Arc<Config<U>>,
}

// No bound on `U` here: a user type without a loader is reported once, where the manager is
// `.wrap`ped, with `UserLoader`'s message, instead of on every builder call.
impl<U> LoginManager<U> {
    /// A manager with Flask-Login's defaults: no login view (unauthorized requests get 401),
    /// the login message "Please log in to access this page.", `Basic` session protection and
    /// `OPTIONS` exempt from login checks (CORS preflights carry no cookies). Remember-me is
    /// off until [`remember_me`](Self::remember_me) is set.
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config::default()),
        }
    }

    /// Where unauthorized browsers are sent: `302` to `login_view?next=<path and query>`.
    ///
    /// Without a login view, unauthorized requests get `401 Unauthorized`. A request that asks
    /// for JSON (`Accept: application/json` without `text/html`) gets a 401 with a small JSON
    /// body instead of the redirect, and an htmx request (`HX-Request`) gets `HX-Redirect`.
    pub fn login_view(self, login_view: impl Into<String>) -> Self {
        let login_view = Some(login_view.into());
        self.configure(|config| config.login_view = login_view)
    }

    /// The message flashed on the login redirect (`None`: flash nothing).
    pub fn login_message(self, text: Option<impl Into<String>>) -> Self {
        let text = text.map(Into::into);
        self.configure(|config| set_message(&mut config.login_message, text))
    }

    /// The category of the login message (default `message`).
    pub fn login_message_category(self, category: impl Into<String>) -> Self {
        let category = category.into();
        self.configure(|config| {
            if let Some(message) = &mut config.login_message {
                message.category = category;
            }
        })
    }

    /// Translates the login and needs-refresh messages before they are flashed.
    pub fn localize(
        self,
        localizer: impl Fn(&HttpRequest, &str) -> String + Send + Sync + 'static,
    ) -> Self {
        let localizer: Localizer = Arc::new(localizer);
        self.configure(|config| config.localizer = Some(localizer))
    }

    /// Where a stale login is sent by `#[login_required(fresh)]` (Flask's `refresh_view`).
    /// Without one, such requests get `401`.
    pub fn refresh_view(self, refresh_view: impl Into<String>) -> Self {
        let refresh_view = Some(refresh_view.into());
        self.configure(|config| config.refresh_view = refresh_view)
    }

    /// The message flashed on the refresh redirect (`None`: flash nothing).
    pub fn needs_refresh_message(self, text: Option<impl Into<String>>) -> Self {
        let text = text.map(Into::into);
        self.configure(|config| set_message(&mut config.needs_refresh_message, text))
    }

    /// The category of the needs-refresh message (default `message`).
    pub fn needs_refresh_message_category(self, category: impl Into<String>) -> Self {
        let category = category.into();
        self.configure(|config| {
            if let Some(message) = &mut config.needs_refresh_message {
                message.category = category;
            }
        })
    }

    /// Replaces the unauthorized response entirely (the `Unauthorized` event still fires first).
    pub fn unauthorized_handler(
        self,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        let handler: ResponseHook = Arc::new(handler);
        self.configure(|config| config.unauthorized_handler = Some(handler))
    }

    /// Replaces the needs-refresh response entirely (the `NeedsRefresh` event still fires first).
    pub fn needs_refresh_handler(
        self,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        let handler: ResponseHook = Arc::new(handler);
        self.configure(|config| config.needs_refresh_handler = Some(handler))
    }

    /// Keep the original URL in the session instead of the `next` query parameter; read it back
    /// with [`take_next`](crate::take_next).
    pub fn next_in_session(self, enabled: bool) -> Self {
        self.configure(|config| config.next_in_session = enabled)
    }

    /// The methods that pass `#[login_required]` without a check (default: `OPTIONS`).
    pub fn exempt_methods(self, methods: impl IntoIterator<Item = Method>) -> Self {
        let methods = methods.into_iter().collect();
        self.configure(|config| config.exempt_methods = methods)
    }

    /// How to react to a session used from another client (default [`SessionProtection::Basic`]).
    pub fn session_protection(self, protection: SessionProtection) -> Self {
        self.configure(|config| config.protection = protection)
    }

    /// Proxies whose forwarding headers are believed when identifying the client for session
    /// protection. Without them only the direct peer address counts.
    pub fn trusted_proxies(self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        let proxies = proxies.into_iter().collect();
        self.configure(|config| config.trusted_proxies = proxies)
    }

    /// The app's secret key (the one given to actix-session): keys the MAC of each user's
    /// [`session_auth_hash`](crate::UserMixin::session_auth_hash) kept in the session. Without
    /// it the MAC is keyed by a fixed label, which still keeps the raw hash out of the session.
    pub fn secret_key(self, key: &Key) -> Self {
        let auth = AuthTagger::new(Some(key));
        self.configure(|config| config.auth = auth)
    }

    /// Ends a login unused for this long (checked on the server, from the session record; a
    /// valid remember cookie may then restore a non-fresh login). To spare the session store, the
    /// last-use time is rewritten at most every tenth of the timeout, so a login may last up to
    /// 10% longer than `idle` after its last use.
    pub fn idle_timeout(self, idle: Duration) -> Self {
        self.configure(|config| config.idle_timeout = Some(idle))
    }

    /// Ends every login this long after it was made, however active (OWASP's absolute timeout).
    pub fn absolute_timeout(self, absolute: Duration) -> Self {
        self.configure(|config| config.absolute_timeout = Some(absolute))
    }

    /// Turns on remember-me cookies; `login_user_with(.., LoginOptions::default().remember(true))`
    /// then sets one.
    pub fn remember_me(self, remember: RememberMe) -> Self {
        self.configure(|config| config.remember = Some(remember))
    }

    /// Receives every [`LoginEvent`]. It may read the event's user; it runs inside the request,
    /// so keep it quick.
    pub fn on_event(
        self,
        listener: impl Fn(&HttpRequest, &LoginEvent<'_, U>) + Send + Sync + 'static,
    ) -> Self {
        let listener: Listener<U> = Arc::new(listener);
        self.configure(|config| config.listener = Some(listener))
    }

    fn configure(mut self, edit: impl FnOnce(&mut Config<U>)) -> Self {
        // Builders run before the manager is cloned into workers, so this never copies.
        edit(Arc::make_mut(&mut self.config));
        self
    }
}

/// Sets a message's text, keeping its category; `None` turns the message off.
fn set_message(message: &mut Option<Message>, text: Option<String>) {
    let category = message
        .take()
        .map_or_else(|| "message".to_owned(), |m| m.category);
    *message = text.map(|text| Message { text, category });
}

impl<U> LoginManager<U> {
    /// Falls back to the `#[request_loader]` of `U` when the session and the remember cookie
    /// hold no login. Such users are authenticated for that request only: never written to the
    /// session, never fresh.
    pub fn request_loader(self) -> Self
    where
        U: RequestLoader,
    {
        fn load<U: RequestLoader>(
            req: &HttpRequest,
        ) -> LocalBoxFuture<'static, Result<Option<U>, actix_web::Error>> {
            Box::pin(U::load_from_request(req))
        }
        self.configure(|config| config.request_loader = Some(load::<U>))
    }
}

impl<U> Default for LoginManager<U> {
    fn default() -> Self {
        Self::new()
    }
}

impl<U> Clone for LoginManager<U> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
        }
    }
}

impl<U> std::fmt::Debug for LoginManager<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = &self.config;
        f.debug_struct("LoginManager")
            .field("user", &std::any::type_name::<U>())
            .field("login_view", &config.login_view)
            .field("refresh_view", &config.refresh_view)
            .field("session_protection", &config.protection)
            .field("remember_me", &config.remember)
            .field("request_loader", &config.request_loader.is_some())
            .finish_non_exhaustive()
    }
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
        // Configuration mistakes stop the app at startup, with the reason in the log.
        if let Some(Err(reason)) = self.config.remember.as_ref().map(RememberMe::validate) {
            tracing::error!(target: "login_runtime", "cannot start `LoginManager`: {reason}");
            return std::future::ready(Err(()));
        }
        std::future::ready(Ok(LoginMiddleware {
            service,
            config: Arc::clone(&self.config),
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
