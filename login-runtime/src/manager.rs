//! `LoginManager`: the middleware that gives every request its lazily loaded user.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::cookie::Key;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};

use crate::SessionProtection;
use crate::auth_hash::AuthTagger;
use crate::config::{Config, Localizer, Message, ResponseHook};
use crate::events::{Listener, LoginEvent};
use crate::future::LocalBoxFuture;
use crate::loader::RequestLoader;
use crate::protection::{Fingerprinter, ForwardedHeader};
use crate::remember::RememberMe;
use crate::revocation::RevocationStore;
use crate::unauthorized::{ViewKind, view_kind};

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

    /// The message flashed on the login redirect (default "Please log in to access this
    /// page."); [`no_login_message`](Self::no_login_message) flashes none.
    pub fn login_message(self, text: impl Into<String>) -> Self {
        let text = Some(text.into());
        self.configure(|config| set_message(&mut config.login_message, text))
    }

    /// Flash no message on the login redirect.
    pub fn no_login_message(self) -> Self {
        self.configure(|config| set_message(&mut config.login_message, None))
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

    /// The message flashed on the refresh redirect (default "Please reauthenticate to access
    /// this page."); [`no_needs_refresh_message`](Self::no_needs_refresh_message) flashes none.
    pub fn needs_refresh_message(self, text: impl Into<String>) -> Self {
        let text = Some(text.into());
        self.configure(|config| set_message(&mut config.needs_refresh_message, text))
    }

    /// Flash no message on the refresh redirect.
    pub fn no_needs_refresh_message(self) -> Self {
        self.configure(|config| set_message(&mut config.needs_refresh_message, None))
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

    /// Replaces the response to a logged-in user who lacks a permission the route requires
    /// (default: `403 Forbidden`, JSON for JSON callers). The `PermissionDenied` event still
    /// fires first.
    pub fn forbidden_handler(
        self,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        let handler: ResponseHook = Arc::new(handler);
        self.configure(|config| config.forbidden_handler = Some(handler))
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

    /// Proxies whose forwarding header is believed when identifying the client for session
    /// protection. Without them only the direct peer address counts. With them, the client is
    /// the right-most address in the header that is not a trusted proxy; entries further left
    /// were written by the client and are ignored. Which header: see
    /// [`forwarded_header`](Self::forwarded_header).
    pub fn trusted_proxies(self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        let proxies = proxies.into_iter().collect();
        self.configure(|config| config.trusted_proxies = proxies)
    }

    /// Which header the trusted proxies append the client address to (default
    /// `X-Forwarded-For`). Only that one is read; set it to match your proxy, since it passes
    /// the other through as the client wrote it.
    pub fn forwarded_header(self, header: ForwardedHeader) -> Self {
        self.configure(|config| config.forwarded_header = header)
    }

    /// The app's secret key (the one given to actix-session): keys the MAC of each user's
    /// [`session_auth_hash`](crate::UserMixin::session_auth_hash) kept in the session, and the
    /// session-protection fingerprint. Without it the auth-hash MAC is keyed by a fixed label
    /// (which still keeps the raw hash out of the session), and the fingerprint by the
    /// remember-me key or, failing that, a key random to this process, which changes on restart.
    pub fn secret_key(self, key: &Key) -> Self {
        let auth = AuthTagger::new(Some(key));
        let fingerprint = Fingerprinter::new(key);
        self.configure(|config| {
            config.auth = auth;
            config.fingerprint = Some(fingerprint);
        })
    }

    /// What this manager's logins are bound to (default: the user type's name). A login made
    /// by a manager of another namespace (another user type, say `Staff` beside `Customer`) is
    /// no login for this one, and is left in place. Set it explicitly to keep logins valid when
    /// the user type is renamed or moved. It must not contain `|`.
    pub fn namespace(self, namespace: impl Into<String>) -> Self {
        let namespace = namespace.into();
        self.configure(|config| config.namespace = namespace)
    }

    /// Where revoked logins are recorded (default: [`MemoryRevocations`](crate::MemoryRevocations), shared by every
    /// manager in the process). Several app instances need one shared store.
    pub fn revocation_store(self, store: impl RevocationStore) -> Self {
        let store: Arc<dyn RevocationStore> = Arc::new(store);
        self.configure(|config| config.revocations = store)
    }

    /// How long a request waits for the revocation store (default one second). Past it, the
    /// request fails closed with `503 Service Unavailable`.
    pub fn store_timeout(self, timeout: Duration) -> Self {
        self.configure(|config| config.store_timeout = timeout)
    }

    /// This site's origin, e.g. `https://app.example`: needed only with a login view on another
    /// site, whose `next` must be an absolute URL back here. It is never taken from the
    /// request's `Host` or forwarding headers, which a client can write.
    pub fn site_url(self, site_url: impl Into<String>) -> Self {
        let site_url = site_url.into().trim_end_matches('/').to_owned();
        self.configure(|config| config.site_url = Some(site_url))
    }

    /// Ends a login unused for this long (checked on the server, from the session record; a
    /// valid remember cookie may then restore a non-fresh login). To spare the session store, the
    /// last-use time is rewritten at most every tenth of the timeout, so a login may last up to
    /// 10% longer than `idle` after its last use.
    pub fn idle_timeout(self, idle: Duration) -> Self {
        self.configure(|config| config.idle_timeout = Some(idle))
    }

    /// Ends every login this long after it was made, however active (OWASP's absolute timeout;
    /// default 30 days). A valid remember cookie may then restore a non-fresh login. The bound
    /// is also how long a logout's revocation must be kept.
    pub fn absolute_timeout(self, absolute: Duration) -> Self {
        self.configure(|config| config.absolute_timeout = absolute)
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

impl<U> LoginManager<U> {
    /// The configuration a worker runs with, checked: what cannot work is refused here, once,
    /// rather than on some later request.
    pub(crate) fn startup_config(&self) -> Result<Arc<Config<U>>, String> {
        let config = &self.config;
        if let Some(remember) = &config.remember {
            remember.validate()?;
        }
        if config.namespace.is_empty() || config.namespace.contains('|') {
            return Err(format!(
                "the namespace {:?} must be non-empty and without `|`; pick another in \
                 `.namespace(..)`",
                config.namespace
            ));
        }
        let views = [&config.login_view, &config.refresh_view];
        if let Some(view) = views
            .into_iter()
            .flatten()
            .find(|view| view_kind(view).is_none())
        {
            return Err(format!(
                "the view {view:?} is neither a path (\"/login\"), an absolute URL \
                 (\"https://auth.example/login\") nor a route name (\"login\"); a relative path \
                 would resolve against each page's own URL"
            ));
        }
        let absolute_view = views
            .into_iter()
            .flatten()
            .find(|view| view_kind(view) == Some(ViewKind::Absolute));
        if let Some(view) = absolute_view
            && config.site_url.is_none()
        {
            return Err(format!(
                "the view {view:?} is on another site, so `next` must be an absolute URL back \
                 to this one; add `.site_url(\"https://your.site\")` (it is never taken from \
                 the request's headers)"
            ));
        }
        if config.fingerprint.is_some() {
            return Ok(Arc::clone(config));
        }
        let fingerprint = match &config.remember {
            Some(remember) => remember.fingerprinter(),
            None => {
                if config.protection != SessionProtection::Off {
                    warn_per_process_key();
                }
                Fingerprinter::per_process().map_err(|err| err.to_string())?
            }
        };
        let mut config = Config::clone(config);
        config.fingerprint = Some(fingerprint);
        Ok(Arc::new(config))
    }
}

/// Once per process, not once per worker.
fn warn_per_process_key() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            target: "login_runtime",
            "session protection has no app key: its fingerprints change when the app restarts \
             and differ between instances; add `.secret_key(&key)` to the `LoginManager`"
        );
    });
}
