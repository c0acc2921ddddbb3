//! Resolving the identity, in Flask-Login's order: session → remember cookie → request loader
//! → anonymous, with every check a stored login must pass on the way.

use std::any::type_name;
use std::borrow::Cow;
use std::rc::Rc;

use actix_session::Session;
use actix_web::HttpRequest;

use super::{CookieChange, Identity, RequestState};
use crate::csrf::CSRF_KEY;
use crate::error::LoginError;
use crate::events::LoginEvent;
use crate::future::catch_unwind;
use crate::login_record::{LoginRecord, read_text, unix_now};
use crate::remember::RememberCheck;
use crate::{SessionProtection, UserLoader};

impl<U: UserLoader> RequestState<U> {
    /// Resolution, in Flask-Login's order: session → remember cookie → request loader.
    pub(super) async fn load(&self, req: &HttpRequest) -> Result<Option<Identity<U>>, LoginError> {
        let session = self.session(req)?;
        // Borrowed from the session's copy: the one read on every request of a logged-in user.
        let text = read_text(&session);
        let Some(mut record) = text.as_deref().and_then(LoginRecord::parse) else {
            return self.load_after_session(req, &session, None).await;
        };
        if record.ns != self.config.namespace {
            // Another manager's login: no one here, and not ours to delete or replace with a
            // login from our remember cookie.
            return self.load_from_request(req).await;
        }
        if !self.protect(req, &session, &mut record) {
            return Ok(None);
        }
        let now = unix_now();
        let (idle, absolute) = (self.config.idle_timeout, Some(self.config.absolute_timeout));
        if record.expired(now, idle, absolute) || self.revoked(record.login()).await? {
            // Timed out or logged out elsewhere: the record goes, and a valid remember cookie
            // may still restore a non-fresh login below (unless it was revoked too).
            self.remove_record(&session);
            return self
                .load_after_session(req, &session, Some(&record.id))
                .await;
        }
        let user = self.load_user(req, &record.id, record.forced).await?;
        let Some(user) = user.filter(|user| self.config.auth.matches(&record.hash, &**user)) else {
            // The user is gone, became inactive, or changed their password since this login:
            // the record can never be valid again (docs/behaviour.md S3, S5).
            self.remove_record(&session);
            return self
                .load_after_session(req, &session, Some(&record.id))
                .await;
        };
        if let Some(idle) = idle
            && record.stale_seen(now, idle)
        {
            record.seen = now;
            self.write_record(&session, &record);
        }
        Ok(Some(Identity {
            user,
            fresh: record.fresh,
        }))
    }

    /// The rest of the resolution order, when the session holds no valid login; `previous` is
    /// the user whose login the session held until now, if any.
    async fn load_after_session(
        &self,
        req: &HttpRequest,
        session: &Session,
        previous: Option<&str>,
    ) -> Result<Option<Identity<U>>, LoginError> {
        if let Some(identity) = self.load_from_cookie(req, session, previous).await? {
            return Ok(Some(identity));
        }
        // Unlike Flask-Login, an invalid remember cookie does not stop the request loader.
        self.load_from_request(req).await
    }

    /// The request loader, if the manager has one: authenticated for this request only.
    async fn load_from_request(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<Identity<U>>, LoginError> {
        if let Some(load) = self.config.request_loader {
            let user = catch_unwind(load(req))
                .await
                .map_err(|cause| LoginError::loader_failed(type_name::<U>(), cause))?;
            if let Some(user) = user.filter(|user| user.is_active()) {
                self.emit(req, &LoginEvent::LoadedFromRequest(&user));
                return Ok(Some(Identity {
                    user: Rc::new(user),
                    fresh: false,
                }));
            }
        }
        Ok(None)
    }

    /// Session protection: `false` when the login must be dropped.
    fn protect(&self, req: &HttpRequest, session: &Session, record: &mut LoginRecord<'_>) -> bool {
        let protection = self.config.protection;
        let (Some(stored), Some(current)) = (&record.client, self.client_id(req)) else {
            return true;
        };
        if stored == current.as_str() {
            return true;
        }
        self.emit(req, &LoginEvent::SessionProtected);
        match protection {
            SessionProtection::Strong => {
                // Only the library's own key goes: flash messages, `next` and the app's data stay.
                self.remove_record(session);
                if self.config.remember.is_some() {
                    self.set_cookie_change(CookieChange::Clear);
                }
                false
            }
            _ => {
                if record.fresh {
                    record.fresh = false;
                    self.write_record(session, record);
                }
                true
            }
        }
    }

    /// A login restored from the remember cookie: a privilege change, so the session gets a
    /// new id, and a record carrying the cookie's login id, so one logout ends both.
    async fn load_from_cookie(
        &self,
        req: &HttpRequest,
        session: &Session,
        previous: Option<&str>,
    ) -> Result<Option<Identity<U>>, LoginError> {
        let Some(remember) = &self.config.remember else {
            return Ok(None);
        };
        let (login, lifetime, remaining, rotated) = match self.remember_check(req) {
            RememberCheck::Valid {
                login,
                lifetime,
                remaining,
                rotated,
            } => (login.clone(), *lifetime, *remaining, *rotated),
            RememberCheck::Invalid => {
                self.set_cookie_change(CookieChange::Clear);
                return Ok(None);
            }
            RememberCheck::Absent => return Ok(None),
        };
        if self.revoked(login.login()).await? {
            self.set_cookie_change(CookieChange::Clear);
            return Ok(None);
        }
        let user = self.load_user(req, &login.id, false).await?;
        let Some(user) = user.filter(|user| self.config.auth.matches(&login.tag, &**user)) else {
            // The user is gone, inactive, or changed their password: the cookie can never log
            // anyone in again.
            self.set_cookie_change(CookieChange::Clear);
            return Ok(None);
        };
        // Into the session, with this client's fingerprint, so that `Strong` protection accepts
        // the next request (Flask-Login logs such a user out again at once).
        let record = LoginRecord {
            client: self.client_field(req),
            hash: Cow::Borrowed(&login.tag),
            remember: lifetime.as_secs(),
            ..LoginRecord::new(
                &self.config.namespace,
                login.login_id.clone(),
                login.id.clone(),
                login.issued_at,
                false,
            )
        };
        if previous.is_some_and(|previous| previous != login.id) {
            // The session was another user's until their login ended: none of their data
            // carries over to this one (as at login, docs/behaviour.md S1).
            session.clear();
        }
        // A CSRF token known before (say, in a session planted by an attacker) is not one after.
        session.remove(CSRF_KEY);
        session.renew();
        self.write_record(session, &record);
        if rotated {
            // Re-keyed, not extended: the cookie keeps the time it had left.
            let cookie = remember.issue(&login, Some(remaining));
            self.set_cookie_change(CookieChange::Set(cookie));
        }
        self.emit(req, &LoginEvent::LoadedFromCookie(&user));
        Ok(Some(Identity { user, fresh: false }))
    }

    /// Calls the user loader for a stored id and applies the checks every loaded user passes.
    async fn load_user(
        &self,
        req: &HttpRequest,
        id: &str,
        forced: bool,
    ) -> Result<Option<Rc<U>>, LoginError> {
        let user = catch_unwind(U::load_user(req, id))
            .await
            .map_err(|cause| LoginError::loader_failed(type_name::<U>(), cause))?;
        let Some(user) = user else {
            return Ok(None);
        };
        if !user.has_id(id) {
            tracing::warn!(
                target: "login_runtime",
                "the user loader for `{}` was asked for id {id:?} and returned a user with id {:?}; \
                 treating the request as anonymous",
                type_name::<U>(),
                user.get_id(),
            );
            return Ok(None);
        }
        if !forced && !user.is_active() {
            return Ok(None);
        }
        Ok(Some(Rc::new(user)))
    }
}
