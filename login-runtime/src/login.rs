//! Logging in and out: Flask-Login's `login_user`, `logout_user` and `login_fresh`.

use std::rc::Rc;

use actix_web::{HttpMessage, HttpRequest};

use crate::UserLoader;
use crate::error::LoginError;
use crate::state::{ErasedState, Identity, RequestState, SESSION_KEY, SessionRecord};

/// How [`login_user_with`] logs a user in. The default is a fresh, unforced login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct LoginOptions {
    force: bool,
    fresh: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        Self {
            force: false,
            fresh: true,
        }
    }
}

impl LoginOptions {
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

/// Logs `user` in with the default options; see [`login_user_with`].
pub fn login_user<U: UserLoader + Clone>(req: &HttpRequest, user: &U) -> Result<bool, LoginError> {
    login_user_with(req, user, LoginOptions::default())
}

/// Logs `user` in: stores their id in the session and makes them this request's current user.
///
/// Returns `Ok(false)`, changing nothing, for an inactive user unless the login is forced.
/// The session id is renewed, so a session id planted before login is worthless after it;
/// logging in as a different user also drops the previous user's session data.
pub fn login_user_with<U: UserLoader + Clone>(
    req: &HttpRequest,
    user: &U,
    options: LoginOptions,
) -> Result<bool, LoginError> {
    let state = RequestState::<U>::get(req)?;
    let active = user.is_active();
    if !active && !options.force {
        return Ok(false);
    }
    let session = state.session(req)?;
    let id = user.get_id();
    // A different user's leftovers (cart, flash messages, CSRF token) must not carry over.
    match session.get::<SessionRecord>(SESSION_KEY) {
        Ok(Some(previous)) if previous.id == id => {}
        Ok(None) => {}
        _ => session.clear(),
    }
    let record = SessionRecord {
        id,
        fresh: options.fresh,
        forced: !active,
    };
    session.insert(SESSION_KEY, record).map_err(|err| {
        LoginError::misconfigured(format!("cannot write the login record: {err}"))
    })?;
    session.renew();
    state.set_identity(Some(Identity {
        user: Rc::new(user.clone()),
        fresh: options.fresh,
    }));
    Ok(true)
}

/// Logs the current user out: removes the identity from the session, and this request's user
/// becomes anonymous. Logging out a visitor is not an error.
pub fn logout_user(req: &HttpRequest) -> Result<(), LoginError> {
    erased(req)?.logout(req)
}

/// Whether the current login is fresh: made with credentials in this session rather than
/// restored. `false` for a visitor.
pub fn login_fresh(req: &HttpRequest) -> bool {
    erased(req).is_ok_and(|state| state.login_fresh(req))
}

fn erased(req: &HttpRequest) -> Result<Rc<dyn ErasedState>, LoginError> {
    let state = req.extensions().get::<Rc<dyn ErasedState>>().cloned();
    state.ok_or_else(|| {
        LoginError::misconfigured(
            "no `LoginManager` wraps this route; add `.wrap(LoginManager::<User>::new())` to the `App`"
                .to_owned(),
        )
    })
}
