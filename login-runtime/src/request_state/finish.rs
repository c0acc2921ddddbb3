//! Finishing the response: the remember-cookie change and the cache headers a request that
//! read or changed the login needs.

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};

use super::RequestState;
use crate::UserLoader;
use crate::flash::MESSAGE_COOKIE;
use crate::remember::RememberCheck;

/// What happens to the remember cookie on the way out.
pub(super) enum CookieChange {
    Keep,
    Set(Cookie<'static>),
    Clear,
}

impl<U: UserLoader> RequestState<U> {
    /// Applies the request's cookie changes and cache headers to its response.
    pub(crate) fn finish<B>(&self, res: &mut ServiceResponse<B>) {
        if self.message_taken.get() {
            let mut removal = Cookie::new(MESSAGE_COOKIE, "");
            removal.set_path("/");
            removal.make_removal();
            if let Err(err) = res.response_mut().add_cookie(&removal) {
                tracing::debug!(target: "login_runtime", "cannot delete the login message cookie: {err}");
            }
        }
        let changed = self.changed.borrow().is_some();
        let pending_cookie = !matches!(*self.cookie_change.borrow(), CookieChange::Keep);
        if !changed && !self.accessed.get() && !self.wrote_session.get() && !pending_cookie {
            return; // the request never looked at the user: nothing to do (docs/behaviour.md B34)
        }
        let cookie =
            match std::mem::replace(&mut *self.cookie_change.borrow_mut(), CookieChange::Keep) {
                CookieChange::Set(cookie) => Some(cookie),
                CookieChange::Clear => self
                    .config
                    .remember
                    .as_ref()
                    .map(|remember| remember.removal()),
                CookieChange::Keep => self.refreshed_cookie(res.request()),
            };
        let headers = res.headers_mut();
        // The response depends on who is logged in: shared caches must key on the cookie.
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
        if changed || cookie.is_some() || self.wrote_session.get() {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let Some(cookie) = cookie
            && let Err(err) = res.response_mut().add_cookie(&cookie)
        {
            tracing::error!(target: "login_runtime", "cannot set the remember cookie: {err}");
        }
    }

    /// `refresh_each_request`: the same login's cookie again, with a new expiry.
    fn refreshed_cookie(&self, req: &HttpRequest) -> Option<Cookie<'static>> {
        let remember = self
            .config
            .remember
            .as_ref()
            .filter(|r| r.refresh_each_request)?;
        let identity = self.resolved_identity().flatten()?;
        match self.remember_check(req) {
            RememberCheck::Valid {
                login, lifetime, ..
            } if identity.user.has_id(&login.id) => Some(remember.issue(login, Some(*lifetime))),
            _ => None,
        }
    }
}
