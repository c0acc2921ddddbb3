//! Logging in and out: Flask-Login's `login_user`, `logout_user`, `confirm_login` and friends.

use std::rc::Rc;
use std::time::Duration;

use actix_session::SessionExt;
use actix_web::HttpRequest;

use crate::UserLoader;
use crate::error::LoginError;
use crate::request_state::RequestState;
use crate::unauthorized::NEXT_KEY;
use crate::untyped_state::untyped_state;

/// How [`login_user_with`] logs a user in. The default is a fresh, unforced login without a
/// remember-me cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct LoginOptions {
    pub(crate) remember: bool,
    pub(crate) duration: Option<Duration>,
    pub(crate) force: bool,
    pub(crate) fresh: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        Self {
            remember: false,
            duration: None,
            force: false,
            fresh: true,
        }
    }
}

impl LoginOptions {
    /// Also set the remember-me cookie, so the login outlives the session cookie. Needs
    /// [`LoginManager::remember_me`](crate::LoginManager::remember_me).
    pub fn remember(self, remember: bool) -> Self {
        Self { remember, ..self }
    }

    /// How long this login's remember-me cookie lasts, instead of the configured duration.
    pub fn duration(self, duration: Duration) -> Self {
        Self {
            duration: Some(duration),
            ..self
        }
    }

    /// Log the user in even if [`is_active`](crate::UserMixin::is_active) is false.
    pub fn force(self, force: bool) -> Self {
        Self { force, ..self }
    }

    /// Whether the login counts as fresh (the user just gave credentials). Default `true`;
    /// `#[login_required(fresh)]` handlers require it.
    pub fn fresh(self, fresh: bool) -> Self {
        Self { fresh, ..self }
    }
}

/// What [`login_user`] did. An inactive user is not logged in, and an app that ignores that
/// would redirect them as if they were, so the outcome must be looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "an inactive user is not logged in: check `.is_logged_in()` and tell the user"]
pub enum LoginOutcome {
    /// The user is logged in.
    LoggedIn,
    /// The user is inactive (`is_active()` is false) and the login was not forced: nothing
    /// changed.
    Inactive,
}

impl LoginOutcome {
    /// Whether the user is now logged in.
    pub fn is_logged_in(self) -> bool {
        self == Self::LoggedIn
    }
}

/// Logs `user` in with the default options; see [`login_user_with`].
pub fn login_user<U: UserLoader + Clone>(
    req: &HttpRequest,
    user: &U,
) -> Result<LoginOutcome, LoginError> {
    login_user_with(req, user, LoginOptions::default())
}

/// Logs `user` in: stores their id in the session and makes them this request's current user.
///
/// Returns [`LoginOutcome::Inactive`], changing nothing, for an inactive user unless the login
/// is forced:
///
/// ```
/// # use actix_web::{HttpRequest, HttpResponse};
/// # use login_runtime::{UserMixin, login_user, user_loader};
/// # #[derive(Clone, UserMixin)] struct User { id: u64 }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { None }
/// async fn login(req: HttpRequest, user: User) -> actix_web::Result<HttpResponse> {
///     // ... check the password first ...
///     if !login_user(&req, &user)?.is_logged_in() {
///         return Ok(HttpResponse::Forbidden().body("This account is disabled."));
///     }
///     Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
/// }
/// ```
/// The session id is renewed, so a session id planted before login is worthless after it;
/// logging in as a different user also drops the previous user's session data.
pub fn login_user_with<U: UserLoader + Clone>(
    req: &HttpRequest,
    user: &U,
    options: LoginOptions,
) -> Result<LoginOutcome, LoginError> {
    let logged_in = RequestState::<U>::get(req)?.login(req, Rc::new(user.clone()), options)?;
    Ok(if logged_in {
        LoginOutcome::LoggedIn
    } else {
        LoginOutcome::Inactive
    })
}

/// Keeps the current session valid after `user` changed what feeds their
/// [`session_auth_hash`](crate::UserMixin::session_auth_hash) — say, their own password — while
/// every other session and remember cookie of theirs stops working (Django's function of the
/// same name).
pub fn update_session_auth_hash<U: UserLoader>(
    req: &HttpRequest,
    user: &U,
) -> Result<(), LoginError> {
    RequestState::<U>::get(req)?.update_auth_hash(req, user)
}

/// Logs the current user out, for good: the login is revoked (so no copy of the session
/// cookie or the remember cookie taken before logs in again, with any session store), removed
/// from the session, whose id is renewed, and the remember-me cookie is deleted. This request's
/// user becomes anonymous. Logging out a visitor is not an error.
///
/// Fails, changing nothing, when the revocation store cannot record the logout (`503`): a
/// logout is never reported done when it is not.
pub async fn logout_user(req: &HttpRequest) -> Result<(), LoginError> {
    untyped_state(req, "`logout_user` on")?.logout(req).await
}

/// Ends every login of `user`, on every device, made until now: sessions and remember cookies
/// alike ("log out everywhere", or the reaction to a stolen account). This request's login ends
/// too if it is `user`'s. Needs no change to the app's user store.
pub async fn logout_everywhere<U: UserLoader>(
    req: &HttpRequest,
    user: &U,
) -> Result<(), LoginError> {
    RequestState::<U>::get(req)?
        .logout_everywhere(req, user)
        .await
}

/// Marks the current login fresh again, after the user re-entered their password
/// (Flask's `confirm_login`). A login held only by the remember cookie is restored first, so
/// this works whatever the handler read before.
pub async fn confirm_login(req: &HttpRequest) -> Result<(), LoginError> {
    untyped_state(req, "`confirm_login` on")?.confirm(req).await
}

/// Whether the current login is fresh: made with credentials in this session rather than
/// restored. `false` for a visitor. The identity is resolved under every check first (session
/// protection, auth hash, timeouts, revocation), so this agrees with the guard.
pub async fn login_fresh(req: &HttpRequest) -> bool {
    match untyped_state(req, "`login_fresh` on") {
        Ok(state) => state.login_fresh(req).await,
        Err(_) => false,
    }
}

/// Whether the current login came with a valid remember-me cookie of the same user (one that
/// is not being deleted). Resolves the identity first, like [`login_fresh`].
pub async fn login_remembered(req: &HttpRequest) -> bool {
    match untyped_state(req, "`login_remembered` on") {
        Ok(state) => state.login_remembered(req).await,
        Err(_) => false,
    }
}

/// Takes the URL `next_in_session` kept for the login handler, if it is still a safe redirect
/// target (see [`safe_next`](crate::safe_next)).
pub fn take_next(req: &HttpRequest) -> Option<String> {
    let session = req.get_session();
    // Only remove what is there: a removal marks the session changed even for a missing key.
    if !session.contains_key(NEXT_KEY) {
        return None;
    }
    let raw = session.remove_as::<String>(NEXT_KEY)?.ok()?;
    crate::safe_next(req, &raw)
}
