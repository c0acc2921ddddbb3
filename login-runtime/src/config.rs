//! What a `LoginManager` is configured with, shared by every request it serves.
//!
//! The builder methods live on [`LoginManager`](crate::LoginManager); the request path reads
//! this. Everything that does not mention the user type is in [`Options`], which derives
//! `Clone`, so a new option is one field here, its default, and one setter.

use std::net::IpAddr;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};

use crate::SessionProtection;
use crate::auth_hash::AuthTagger;
use crate::events::Listener;
use crate::future::LocalBoxFuture;
use crate::protection::{Fingerprinter, ForwardedHeader};
use crate::remember::RememberMe;
use crate::revocation::{MemoryRevocations, RevocationStore};

/// Every login ends this long after it was made unless configured otherwise: an upper bound
/// that lets a logout's revocation expire (docs/behaviour.md S4).
pub(crate) const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A message flashed with a category.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) text: String,
    pub(crate) category: String,
}

impl Message {
    /// `text` in the default category, `message` (Flask's).
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            category: "message".to_owned(),
        }
    }
}

/// Builds a response for a refused request.
pub(crate) type ResponseHook = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;
/// Translates a flashed message.
pub(crate) type Localizer = Arc<dyn Fn(&HttpRequest, &str) -> String + Send + Sync>;
/// Loads a user from the request alone.
pub(crate) type RequestLoaderFn<U> =
    fn(&HttpRequest) -> LocalBoxFuture<'static, Result<Option<U>, actix_web::Error>>;

/// The options that do not depend on the user type.
#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) login_view: Option<String>,
    pub(crate) login_message: Option<Message>,
    pub(crate) localizer: Option<Localizer>,
    pub(crate) refresh_view: Option<String>,
    pub(crate) needs_refresh_message: Option<Message>,
    pub(crate) unauthorized_handler: Option<ResponseHook>,
    pub(crate) needs_refresh_handler: Option<ResponseHook>,
    pub(crate) forbidden_handler: Option<ResponseHook>,
    pub(crate) next_in_session: bool,
    pub(crate) exempt_methods: Vec<Method>,
    pub(crate) protection: SessionProtection,
    pub(crate) trusted_proxies: Vec<IpAddr>,
    pub(crate) forwarded_header: ForwardedHeader,
    pub(crate) remember: Option<RememberMe>,
    pub(crate) auth: AuthTagger,
    /// Keys the session-protection fingerprint; `None` until `secret_key` or startup sets it.
    pub(crate) fingerprint: Option<Fingerprinter>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) absolute_timeout: Duration,
    /// What this manager's logins are bound to (default: the user type's name).
    pub(crate) namespace: String,
    pub(crate) revocations: Arc<dyn RevocationStore>,
    /// How long a request waits for the revocation store before failing closed.
    pub(crate) store_timeout: Duration,
    /// This site's origin, for the `next` of a login view on another site.
    pub(crate) site_url: Option<String>,
}

impl Default for Options {
    /// Flask-Login's defaults; see `LoginManager::new`.
    fn default() -> Self {
        Self {
            login_view: None,
            login_message: Some(Message::new("Please log in to access this page.")),
            localizer: None,
            refresh_view: None,
            needs_refresh_message: Some(Message::new("Please reauthenticate to access this page.")),
            unauthorized_handler: None,
            needs_refresh_handler: None,
            forbidden_handler: None,
            next_in_session: false,
            exempt_methods: vec![Method::OPTIONS],
            protection: SessionProtection::Basic,
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            remember: None,
            auth: AuthTagger::new(None),
            fingerprint: None,
            idle_timeout: None,
            absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
            namespace: String::new(),
            revocations: MemoryRevocations::shared(),
            store_timeout: Duration::from_secs(1),
            site_url: None,
        }
    }
}

/// Configuration shared by every request a manager serves: the [`Options`], plus the two
/// callbacks typed by the user.
pub(crate) struct Config<U> {
    options: Options,
    pub(crate) request_loader: Option<RequestLoaderFn<U>>,
    pub(crate) listener: Option<Listener<U>>,
}

impl<U> Default for Config<U> {
    fn default() -> Self {
        Self {
            options: Options {
                namespace: std::any::type_name::<U>().to_owned(),
                ..Options::default()
            },
            request_loader: None,
            listener: None,
        }
    }
}

// By hand: a derive would demand `U: Clone`, which no field needs.
impl<U> Clone for Config<U> {
    fn clone(&self) -> Self {
        Self {
            options: self.options.clone(),
            request_loader: self.request_loader,
            listener: self.listener.clone(),
        }
    }
}

// `config.login_view` rather than `config.options.login_view` on every use: the split exists
// only for `Clone`, and readers should not have to know about it.
impl<U> Deref for Config<U> {
    type Target = Options;
    fn deref(&self) -> &Options {
        &self.options
    }
}

impl<U> DerefMut for Config<U> {
    fn deref_mut(&mut self) -> &mut Options {
        &mut self.options
    }
}
