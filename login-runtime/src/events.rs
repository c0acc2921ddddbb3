//! Login events (Flask-Login's signals), for auditing and metrics.

use std::sync::Arc;

use actix_web::HttpRequest;

use crate::UserMixin;
use std::time::Duration;

/// Something that happened to the login of a request. Received by
/// [`LoginManager::on_event`](crate::LoginManager::on_event) and also emitted as a `tracing`
/// event (target `login_runtime::events`).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum LoginEvent<'a, U> {
    /// `login_user` logged this user in.
    LoggedIn(&'a U),
    /// `logout_user` ran; the user, if this request had resolved one.
    LoggedOut(Option<&'a U>),
    /// The user was restored from the remember cookie.
    LoadedFromCookie(&'a U),
    /// The request loader authenticated this user.
    LoadedFromRequest(&'a U),
    /// `confirm_login` made the login fresh again.
    LoginConfirmed(Option<&'a U>),
    /// A request needed a login and had none.
    Unauthorized,
    /// A request needed a fresh login and had a stale one.
    NeedsRefresh,
    /// The request resolved its user (once per request); `None` for a visitor.
    Accessed(Option<&'a U>),
    /// Session protection saw the session used from another client.
    SessionProtected,
    /// This logged-in user lacked a permission the route requires (the response is `403`).
    PermissionDenied(&'a U),
    /// [`LoginThrottle`](crate::LoginThrottle) refused a login attempt (the response is `429`):
    /// how long to wait, which count, and the account name as typed (untrusted text).
    Throttled(&'a Throttled),
}

impl<U> LoginEvent<'_, U> {
    /// The event's name, as used in logs: `logged_in`, `session_protected`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Self::LoggedIn(_) => "logged_in",
            Self::LoggedOut(_) => "logged_out",
            Self::LoadedFromCookie(_) => "loaded_from_cookie",
            Self::LoadedFromRequest(_) => "loaded_from_request",
            Self::LoginConfirmed(_) => "login_confirmed",
            Self::Unauthorized => "unauthorized",
            Self::NeedsRefresh => "needs_refresh",
            Self::Accessed(_) => "accessed",
            Self::SessionProtected => "session_protected",
            Self::PermissionDenied(_) => "permission_denied",
            Self::Throttled(_) => "throttled",
        }
    }

    /// The user the event is about, where there is one.
    pub fn user(&self) -> Option<&U> {
        match *self {
            Self::LoggedIn(user)
            | Self::LoadedFromCookie(user)
            | Self::LoadedFromRequest(user)
            | Self::PermissionDenied(user) => Some(user),
            Self::LoggedOut(user) | Self::LoginConfirmed(user) | Self::Accessed(user) => user,
            Self::Unauthorized
            | Self::NeedsRefresh
            | Self::SessionProtected
            | Self::Throttled(_) => None,
        }
    }
}

/// An event listener.
pub(crate) type Listener<U> = Arc<dyn Fn(&HttpRequest, &LoginEvent<'_, U>) + Send + Sync>;

/// Sends `event` to the log and to the listener, if any.
pub(crate) fn emit<U: UserMixin>(
    listener: Option<&Listener<U>>,
    req: &HttpRequest,
    event: &LoginEvent<'_, U>,
) {
    // Field values are only evaluated when the event is enabled, so an app without a
    // subscriber does not pay for the id string on every request.
    if matches!(event, LoginEvent::Accessed(_)) {
        tracing::trace!(
            target: "login_runtime::events",
            event = event.name(),
            user = event.user().map(UserMixin::get_id).as_deref()
        );
    } else {
        tracing::info!(
            target: "login_runtime::events",
            event = event.name(),
            user = event.user().map(UserMixin::get_id).as_deref()
        );
    }
    if let Some(listener) = listener {
        listener(req, event);
    }
}

/// Which count refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThrottleScope {
    /// The account's: too many failures for this account name, from anywhere.
    Account,
    /// The client address's: too many failures from this address, on any accounts.
    Address,
}

/// A refused login attempt: how long to wait, and why. In
/// [`ThrottleError::throttled`](crate::ThrottleError::throttled) and in
/// [`LoginEvent::Throttled`](crate::LoginEvent::Throttled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub(crate) retry_after: Duration,
    pub(crate) scope: ThrottleScope,
    pub(crate) failures: u32,
    pub(crate) account: String,
}

impl Throttled {
    /// How long until an attempt is let through again (to the millisecond; the `Retry-After`
    /// header rounds it up to whole seconds).
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// Which count refused the attempt; when both did, the one with the longer wait (the
    /// account's on a tie).
    pub fn scope(&self) -> ThrottleScope {
        self.scope
    }

    /// The failures that count holds.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The account name as it is counted: trimmed, ASCII letters in lower case, cut to
    /// 256 bytes. It is what the visitor typed, so treat it as untrusted text: it may be a
    /// password typed in the wrong field.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// [`retry_after`](Self::retry_after) in whole seconds, rounded up, at least one: what the
    /// `429`'s `Retry-After` header says.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after
            .as_millis()
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u64::MAX)
            .max(1)
    }
}
