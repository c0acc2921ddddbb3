//! The mutations a handler asks for: log in, log out, confirm a login, and keep a session
//! valid across a password change. Each changes this request's identity and what the response
//! writes.

use std::rc::Rc;

use actix_web::HttpRequest;

use super::{CookieChange, Identity, RequestState};
use crate::error::LoginError;
use crate::events::LoginEvent;
use crate::login_record::{LOGIN_KEY, LoginRecord, read_record};
use crate::remember::RememberCheck;
use crate::{LoginOptions, UserLoader};

impl<U: UserLoader> RequestState<U> {
    /// `login_user_with`.
    pub(crate) fn login(
        &self,
        req: &HttpRequest,
        user: Rc<U>,
        options: LoginOptions,
    ) -> Result<bool, LoginError> {
        let active = user.is_active();
        if !active && !options.force {
            return Ok(false);
        }
        let session = self.session(req)?;
        let id = user.get_id();
        // A different user's leftovers (cart, flash messages, CSRF token) must not carry over.
        match session.get::<LoginRecord>(LOGIN_KEY) {
            Ok(Some(previous)) if previous.id == id => {}
            Ok(None) => {}
            _ => session.clear(),
        }
        let record = LoginRecord {
            forced: !active,
            ..LoginRecord::new(
                id,
                options.fresh,
                self.client_id(req),
                self.config.auth.tag(&*user),
                self.timed(),
            )
        };
        session.insert(LOGIN_KEY, &record).map_err(|err| {
            LoginError::misconfigured(format!("cannot write the login record: {err}"))
        })?;
        session.renew();
        if options.remember {
            match &self.config.remember {
                Some(remember) => {
                    let cookie = remember.issue(&record.id, &record.hash, options.duration);
                    self.set_cookie_change(CookieChange::Set(cookie));
                }
                None => tracing::warn!(
                    target: "login_runtime",
                    "`login_user_with(.., remember(true))` but the `LoginManager` has no \
                     remember-me cookie; add `.remember_me(RememberMe::new(&key))` to it"
                ),
            }
        }
        self.emit(req, &LoginEvent::LoggedIn(&user));
        *self.changed.borrow_mut() = Some(Some(Identity {
            user,
            fresh: options.fresh,
        }));
        Ok(true)
    }

    /// `update_session_auth_hash`: keeps this session (and its remember cookie) valid after the
    /// user changed what feeds their auth hash.
    pub(crate) fn update_auth_hash(&self, req: &HttpRequest, user: &U) -> Result<(), LoginError> {
        let session = self.session(req)?;
        let id = user.get_id();
        let tag = self.config.auth.tag(user);
        if let Some(mut record) = read_record(&session).filter(|record| record.id == id) {
            record.hash.clone_from(&tag);
            self.write_record(&session, &record);
        }
        if let (
            Some(remember),
            RememberCheck::Valid {
                id: cookie_id,
                remaining,
                ..
            },
        ) = (&self.config.remember, self.remember_check(req))
            && *cookie_id == id
        {
            let cookie = remember.issue(&id, &tag, Some(*remaining));
            self.set_cookie_change(CookieChange::Set(cookie));
        }
        Ok(())
    }

    /// `logout_user`.
    pub(crate) fn logout(&self, req: &HttpRequest) -> Result<(), LoginError> {
        let session = self.session(req)?;
        // Only touch the session when it holds an identity: a no-op logout sets no cookie.
        self.remove_record(&session);
        if let Some(remember) = &self.config.remember {
            let pending = matches!(*self.cookie_change.borrow(), CookieChange::Set(_));
            let present = req.cookie(&remember.name).is_some();
            if pending || present {
                self.set_cookie_change(CookieChange::Clear);
            }
        }
        let previous = self.resolved_identity().flatten();
        *self.changed.borrow_mut() = Some(None);
        self.emit(
            req,
            &LoginEvent::LoggedOut(previous.as_ref().map(|identity| &*identity.user)),
        );
        Ok(())
    }

    /// `confirm_login`.
    pub(crate) fn confirm(&self, req: &HttpRequest) -> Result<(), LoginError> {
        let session = self.session(req)?;
        if let Some(mut record) = read_record(&session) {
            record.fresh = true;
            record.client = self.client_id(req);
            self.write_record(&session, &record);
        }
        let identity = self.resolved_identity().flatten();
        if let Some(identity) = &identity {
            *self.changed.borrow_mut() = Some(Some(Identity {
                fresh: true,
                ..identity.clone()
            }));
        }
        self.emit(
            req,
            &LoginEvent::LoginConfirmed(identity.as_ref().map(|identity| &*identity.user)),
        );
        Ok(())
    }
}
