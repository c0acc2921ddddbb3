//! The mutations a handler asks for: log in, log out (here or everywhere), confirm a login, and
//! keep a session valid across a password change. Each is a privilege change, so each gives the
//! session a new id: a session id planted or shared before it is worthless after it.

use std::borrow::Cow;
use std::rc::Rc;

use actix_web::HttpRequest;

use super::{CookieChange, Identity, RequestState};
use crate::csrf::CSRF_KEY;
use crate::error::LoginError;
use crate::events::LoginEvent;
use crate::login_record::{self, LOGIN_KEY, LoginRecord, LoginRef, auth_clock};
use crate::remember::{RememberCheck, Remembered};
use crate::{LoginOptions, UserLoader, random};

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
        // A different user's leftovers (cart, flash messages) must not carry over, nor another
        // manager's login, nor anything under our key we cannot read.
        let previous = self.own_record(&session);
        let same_user = match &previous {
            Some(previous) => previous.id == id,
            None => !session.contains_key(LOGIN_KEY),
        };
        if !same_user {
            session.clear();
        }
        // A CSRF token known before the login (say, planted by an attacker) is not one after.
        session.remove(CSRF_KEY);
        let mut record = LoginRecord {
            forced: !active,
            client: self.client_field(req),
            hash: Cow::Owned(self.config.auth.tag(&*user)),
            ..LoginRecord::new(
                &self.config.namespace,
                random::token(),
                id,
                auth_clock(),
                options.fresh,
            )
        };
        if let Some(remember) = self.config.remember.as_ref().filter(|_| options.remember) {
            record.remember = remember.lifetime(options.duration).as_secs();
        }
        if let Some(previous) = previous.filter(|_| same_user) {
            // The same user again (say, a password re-entered): copies of the login it replaces
            // must end with this one's logout.
            record.replacing(previous);
        }
        login_record::write_record(&session, &record).map_err(|err| {
            LoginError::misconfigured(format!("cannot write the login record: {err}"))
        })?;
        session.renew();
        self.wrote_session.set(true);
        self.remember_at_login(req, &record, options);
        self.emit(req, &LoginEvent::LoggedIn(&user));
        *self.changed.borrow_mut() = Some(Some(Identity {
            user,
            fresh: options.fresh,
        }));
        Ok(true)
    }

    /// The remember cookie a login leaves: a new one with `remember`, otherwise none of anyone
    /// else's.
    fn remember_at_login(
        &self,
        req: &HttpRequest,
        record: &LoginRecord<'_>,
        options: LoginOptions,
    ) {
        let Some(remember) = &self.config.remember else {
            if options.remember {
                tracing::warn!(
                    target: "login_runtime",
                    "`login_user_with(.., remember(true))` but the `LoginManager` has no \
                     remember-me cookie; add `.remember_me(RememberMe::new(&key))` to it"
                );
            }
            return;
        };
        if options.remember {
            let cookie = remember.issue(&remembered(record), options.duration);
            self.set_cookie_change(CookieChange::Set(cookie));
            return;
        }
        // A remember cookie of anyone else (say, the previous user of a shared browser) would
        // log them back in once this session ends; this user's own stays. One scoped to another
        // path or a parent domain is not sent here, but may be there all the same.
        let own = matches!(self.remember_check(req),
            RememberCheck::Valid { login, .. } if login.id == record.id);
        if !own && (remember.scoped() || req.cookie(&remember.name).is_some()) {
            self.set_cookie_change(CookieChange::Clear);
        }
    }

    /// `update_session_auth_hash`: keeps this session (and its remember cookie) valid after the
    /// user changed what feeds their auth hash.
    pub(crate) fn update_auth_hash(&self, req: &HttpRequest, user: &U) -> Result<(), LoginError> {
        let session = self.session(req)?;
        let id = user.get_id();
        let tag = self.config.auth.tag(user);
        if let Some(mut record) = self.own_record(&session).filter(|record| record.id == id) {
            record.hash = Cow::Borrowed(&tag);
            session.renew();
            self.write_record(&session, &record);
        }
        if let (
            Some(remember),
            RememberCheck::Valid {
                login, remaining, ..
            },
        ) = (&self.config.remember, self.remember_check(req))
            && login.id == id
        {
            let login = Remembered {
                tag,
                ..login.clone()
            };
            let cookie = remember.issue(&login, Some(*remaining));
            self.set_cookie_change(CookieChange::Set(cookie));
        }
        Ok(())
    }

    /// `logout_user`: revokes the session's login and the remember cookie's, so that no copy
    /// of either logs in again; then removes both. If a revocation cannot be stored, nothing
    /// changes and the error says so: a logout is never reported done when it is not.
    pub(crate) async fn logout(&self, req: &HttpRequest) -> Result<(), LoginError> {
        let session = self.session(req)?;
        let record = self.own_record(&session);
        if let Some(record) = &record {
            self.revoke(record.login(), record.remember).await?;
            for lid in &record.replaced {
                let replaced = LoginRef {
                    login_id: lid,
                    ..record.login()
                };
                self.revoke(replaced, record.remember).await?;
            }
            if record.replaced_overflow {
                self.revoke_user(&record.id, record.iat).await?;
            }
        }
        if let RememberCheck::Valid {
            login, lifetime, ..
        } = self.remember_check(req)
            && record
                .as_ref()
                .is_none_or(|record| record.lid != login.login_id)
        {
            self.revoke(login.login(), lifetime.as_secs()).await?;
        }
        if record.is_some() {
            self.remove_record(&session);
            session.renew();
        }
        if let Some(remember) = &self.config.remember {
            // Also when this request did not carry the cookie: one scoped to another path
            // (`RememberMe::path`) is not sent here, but must go all the same.
            let pending = matches!(*self.cookie_change.borrow(), CookieChange::Set(_));
            let present = req.cookie(&remember.name).is_some();
            if pending || present || record.is_some() {
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

    /// `logout_everywhere`: every login of `user` made until now, on every device, ends; this
    /// request's too, if it is theirs.
    pub(crate) async fn logout_everywhere(
        &self,
        req: &HttpRequest,
        user: &U,
    ) -> Result<(), LoginError> {
        let id = user.get_id();
        self.revoke_user(&id, auth_clock()).await?;
        let session = self.session(req)?;
        let theirs = self
            .own_record(&session)
            .is_some_and(|record| record.id == id);
        let cookie_theirs = matches!(self.remember_check(req),
            RememberCheck::Valid { login, .. } if login.id == id);
        if theirs || cookie_theirs {
            self.logout(req).await?;
        }
        Ok(())
    }

    /// `confirm_login`: the login is fresh again, whatever this request had resolved before
    /// (a login only in the remember cookie is restored first).
    pub(crate) async fn confirm(&self, req: &HttpRequest) -> Result<(), LoginError> {
        let identity = self.identity(req).await?;
        let session = self.session(req)?;
        if let Some(identity) = &identity
            && let Some(mut record) = self.own_record(&session)
        {
            record.fresh = true;
            record.client = self.client_field(req);
            session.renew();
            self.write_record(&session, &record);
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

/// What a remember cookie for the login in `record` carries.
fn remembered(record: &LoginRecord<'_>) -> Remembered {
    Remembered {
        namespace: record.ns.to_string(),
        login_id: record.lid.to_string(),
        issued_at: record.iat,
        tag: record.hash.to_string(),
        id: record.id.to_string(),
    }
}
