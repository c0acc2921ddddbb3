//! Per-request login state: the lazily resolved user, cached once per request, and the cookie
//! changes to apply to the response.
//!
//! The state is one value per request, split by what touches it:
//! - this file: the state itself, its lookup, and the once-per-request identity cache;
//! - [`resolve`]: resolving the identity (session → remember cookie → request loader);
//! - [`mutations`]: login, logout, confirm and the auth-hash update;
//! - [`finish`]: the response's cookie changes and cache headers;
//! - [`untyped`]: the same state as [`UntypedState`], for the guard and `logout_user`.

mod finish;
mod mutations;
mod resolve;
mod untyped;

use std::any::{Any, type_name};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::config::Config;
use crate::error::LoginError;
use crate::events::{LoginEvent, emit};
use crate::future::catch_unwind;
use crate::login_record::{self, LOGIN_KEY, LoginRecord, LoginRef, read_record, unix_now};
use crate::protection::Fingerprint;
use crate::remember::RememberCheck;
use crate::revocation::StoreFuture;
use crate::untyped_state::UntypedState;
use crate::{SessionProtection, UserLoader};
use finish::CookieChange;

/// A resolved login.
pub(crate) struct Identity<U> {
    pub(crate) user: Rc<U>,
    pub(crate) fresh: bool,
}

impl<U> Clone for Identity<U> {
    fn clone(&self) -> Self {
        Self {
            user: Rc::clone(&self.user),
            fresh: self.fresh,
        }
    }
}

/// Per-request state for one user type, inserted into request extensions by `LoginManager<U>`.
pub(crate) struct RequestState<U> {
    pub(crate) config: Arc<Config<U>>,
    /// Whether actix-session's middleware ran before ours (checked once, on the way in).
    session_ok: bool,
    /// The identity as loaded from the session: resolved at most once, on first demand.
    loaded: OnceCell<Option<Identity<U>>>,
    /// Set by `login_user`/`logout_user`, and then wins over `loaded` for the rest of the request.
    changed: RefCell<Option<Option<Identity<U>>>>,
    /// The remember cookie, verified at most once.
    remember: std::cell::OnceCell<RememberCheck>,
    cookie_change: RefCell<CookieChange>,
    /// The `Accessed` event has fired (and the response depends on the cookie).
    accessed: Cell<bool>,
    /// The library changed the login record in the session: the response must not be cached.
    wrote_session: Cell<bool>,
    /// The refusal message's marker cookie was read: the response deletes it.
    message_taken: Cell<bool>,
    /// The permissions of the user they were resolved for (a login in this request changes the
    /// user, and then they are resolved again).
    permissions: RefCell<Option<ResolvedPermissions<U>>>,
}

/// A user, and the cell its permission set (a `HashSet` of its permission type, as `Any`) is
/// resolved into.
type ResolvedPermissions<U> = (Rc<U>, Rc<OnceCell<Rc<dyn Any>>>);

impl<U: UserLoader> RequestState<U> {
    /// Installs fresh state for this request; the user is not loaded until someone asks.
    /// `session_ok`: whether actix-session's middleware runs before ours.
    pub(crate) fn install(
        req: &ServiceRequest,
        config: &Arc<Config<U>>,
        session_ok: bool,
    ) -> Rc<Self> {
        let state = Rc::new(Self {
            config: Arc::clone(config),
            session_ok,
            loaded: OnceCell::new(),
            changed: RefCell::new(None),
            remember: std::cell::OnceCell::new(),
            cookie_change: RefCell::new(CookieChange::Keep),
            accessed: Cell::new(false),
            wrote_session: Cell::new(false),
            message_taken: Cell::new(false),
            permissions: RefCell::new(None),
        });
        // One entry serves both the typed and the type-erased users (see `get`).
        req.extensions_mut()
            .insert(Rc::clone(&state) as Rc<dyn UntypedState>);
        state
    }

    /// The state `LoginManager<U>` installed, or the misconfiguration that explains its absence.
    pub(crate) fn get(req: &HttpRequest) -> Result<Rc<Self>, LoginError> {
        let erased = req.extensions().get::<Rc<dyn UntypedState>>().cloned();
        let other = match erased {
            Some(state) => match Rc::clone(&state).into_any().downcast::<Self>() {
                Ok(typed) => return Ok(typed),
                // Only on this error path is the other manager's user type worth asking for.
                Err(_) => Some(state.user_type()),
            },
            None => None,
        };
        let wanted = type_name::<U>();
        Err(LoginError::misconfigured(match other {
            Some(other) => format!(
                "a handler asked for the user type `{wanted}`, but the `LoginManager` on this \
                 route serves `{other}`; use that type, or wrap the app with `LoginManager::<{wanted}>::new()`"
            ),
            None => format!(
                "a handler asked for the current `{wanted}`, but no `LoginManager` wraps this \
                 route; add `.wrap(LoginManager::<{wanted}>::new())` to the `App`"
            ),
        }))
    }

    /// The session, if actix-session's middleware is in place.
    pub(crate) fn session(&self, req: &HttpRequest) -> Result<Session, LoginError> {
        if self.session_ok {
            Ok(req.get_session())
        } else {
            Err(LoginError::misconfigured(
                "no actix-session `SessionMiddleware` ran before `LoginManager`; register it \
                 after `LoginManager`, because the last `.wrap` runs first: \
                 `App::new().wrap(LoginManager::new()).wrap(SessionMiddleware::new(..))`"
                    .to_owned(),
            ))
        }
    }

    /// The current identity: resolved on first call, cached for the rest of the request.
    pub(crate) async fn identity(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<Identity<U>>, LoginError> {
        if let Some(changed) = &*self.changed.borrow() {
            return Ok(changed.clone());
        }
        let identity = self
            .loaded
            .get_or_try_init(|| self.load(req))
            .await?
            .clone();
        if !self.accessed.replace(true) {
            let user = identity.as_ref().map(|identity| &*identity.user);
            self.emit(req, &LoginEvent::Accessed(user));
        }
        Ok(identity)
    }

    /// The identity when this request has already resolved or changed it (`None`: not yet).
    /// Lets extractors that come after the guard answer without a future of their own.
    pub(crate) fn resolved_identity(&self) -> Option<Option<Identity<U>>> {
        match &*self.changed.borrow() {
            Some(changed) => Some(changed.clone()),
            None => self.loaded.get().cloned(),
        }
    }

    /// The current user's permissions (a `HashSet` of its permission type, as `Any`), resolved
    /// at most once per request, even by extractors polled together; `None` for a visitor.
    pub(crate) async fn permission_set(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<Rc<dyn Any>>, LoginError> {
        match self.identity(req).await? {
            Some(identity) => self.permissions_of(&identity.user, req).await.map(Some),
            None => Ok(None),
        }
    }

    /// `user`'s permissions, for a caller that has resolved the identity already.
    pub(crate) async fn permissions_of(
        &self,
        user: &Rc<U>,
        req: &HttpRequest,
    ) -> Result<Rc<dyn Any>, LoginError> {
        let Some(source) = U::__permission_source() else {
            let name = type_name::<U>();
            return Err(LoginError::misconfigured(format!(
                "a permission was required on {}, but `{name}` has no permission source; mark \
                 the field that holds its permissions with `#[user(permissions)]`, or implement \
                 `UserPermissions` for `{name}` and derive `UserMixin`, which finds the impl \
                 (for a generic user type, an impl that covers every instance: \
                 `impl<T> UserPermissions for User<T>`)",
                req.path()
            )));
        };
        // One cell per user: a login later in this request makes a new one. The borrow ends
        // before the await; a second reader waits on the same cell instead of asking again.
        let cell = {
            let mut slot = self.permissions.borrow_mut();
            match &*slot {
                Some((held_by, cell)) if Rc::ptr_eq(held_by, user) => Rc::clone(cell),
                _ => {
                    let cell = Rc::new(OnceCell::new());
                    *slot = Some((Rc::clone(user), Rc::clone(&cell)));
                    cell
                }
            }
        };
        let set = cell
            .get_or_try_init(|| catch_unwind(source(user, req)))
            .await
            .map_err(|err| LoginError::loader_failed(type_name::<U>(), err))?;
        Ok(Rc::clone(set))
    }

    pub(crate) fn emit(&self, req: &HttpRequest, event: &LoginEvent<'_, U>) {
        emit(self.config.listener.as_ref(), req, event);
    }

    /// This client's session-protection fingerprint; `None` when protection is off.
    fn client_id(&self, req: &HttpRequest) -> Option<Fingerprint> {
        if self.config.protection == SessionProtection::Off {
            return None;
        }
        let fingerprinter = self.config.fingerprint.as_ref()?;
        let (proxies, header) = (&self.config.trusted_proxies, self.config.forwarded_header);
        Some(fingerprinter.fingerprint(req, proxies, header))
    }

    /// This client's fingerprint as the login record stores it.
    fn client_field(&self, req: &HttpRequest) -> Option<Cow<'static, str>> {
        self.client_id(req)
            .map(|client| Cow::Owned(client.as_str().to_owned()))
    }

    fn remember_check(&self, req: &HttpRequest) -> &RememberCheck {
        self.remember.get_or_init(|| match &self.config.remember {
            Some(remember) => remember.check(req, &self.config.namespace),
            None => RememberCheck::Absent,
        })
    }

    /// The session's login record, if this manager made it.
    fn own_record(&self, session: &Session) -> Option<LoginRecord<'static>> {
        read_record(session).filter(|record| record.ns == self.config.namespace)
    }

    /// Whether `login` was revoked; a store that cannot say in time fails the request (503).
    async fn revoked(&self, login: LoginRef<'_>) -> Result<bool, LoginError> {
        if let Some(revoked) = self.config.revocations.is_revoked_now(login) {
            return Ok(revoked);
        }
        self.bounded(self.config.revocations.is_revoked(login))
            .await
    }

    /// A revocation-store call, waited for at most `store_timeout`; a failure or no answer in
    /// time is `503` (fail closed).
    async fn bounded<T>(&self, call: StoreFuture<'_, T>) -> Result<T, LoginError> {
        match tokio::time::timeout(self.config.store_timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(LoginError::store_unavailable(&err.to_string())),
            Err(_) => Err(LoginError::store_unavailable("no answer in time")),
        }
    }

    /// Revokes every login of user `id` authenticated before `before` (the authentication clock), for
    /// as long as any of them could otherwise still be used.
    async fn revoke_user(&self, id: &str, before: u64) -> Result<(), LoginError> {
        // A session login lasts at most the absolute timeout, a remember cookie at most its own
        // (capped) lifetime.
        let remember = self
            .config
            .remember
            .as_ref()
            .map_or(0, |remember| remember.max_lifetime().as_secs());
        let lifetime = self.config.absolute_timeout.as_secs().max(remember);
        let until = unix_now().saturating_add(lifetime);
        let namespace = &self.config.namespace;
        let revocations = &self.config.revocations;
        self.bounded(revocations.revoke_user(namespace, id, before, until))
            .await
    }

    /// Revokes one login for as long as a copy of it could otherwise still be used: a session
    /// record until the absolute timeout, a remember cookie until it expires.
    async fn revoke(&self, login: LoginRef<'_>, remember: u64) -> Result<(), LoginError> {
        let lifetime = self.config.absolute_timeout.as_secs().max(remember);
        let until = unix_now().saturating_add(lifetime);
        self.bounded(self.config.revocations.revoke_login(login, until))
            .await
    }

    fn write_record(&self, session: &Session, record: &LoginRecord<'_>) {
        self.wrote_session.set(true);
        if let Err(err) = login_record::write_record(session, record) {
            tracing::error!(target: "login_runtime", "cannot write the login record: {err}");
        }
    }

    /// Removes the login record, touching the session only if there is one: a removal marks
    /// the session changed (and costs a `Set-Cookie`) even when the key is absent.
    fn remove_record(&self, session: &Session) {
        if session.contains_key(LOGIN_KEY) {
            session.remove(LOGIN_KEY);
            self.wrote_session.set(true);
        }
    }

    fn set_cookie_change(&self, change: CookieChange) {
        *self.cookie_change.borrow_mut() = change;
    }

    /// `login_fresh`: the identity is resolved under every check first, as the guard does.
    pub(crate) async fn login_fresh(&self, req: &HttpRequest) -> bool {
        matches!(self.identity(req).await, Ok(Some(identity)) if identity.fresh)
    }

    /// `login_remembered`: a valid remember cookie of the resolved user, not being deleted.
    pub(crate) async fn login_remembered(&self, req: &HttpRequest) -> bool {
        let Ok(Some(identity)) = self.identity(req).await else {
            return false;
        };
        if matches!(*self.cookie_change.borrow(), CookieChange::Clear) {
            return false;
        }
        match self.remember_check(req) {
            RememberCheck::Valid { login, .. } if identity.user.has_id(&login.id) => {
                // The cookie may be one this user's "log out everywhere" revoked, kept by a
                // later login without remember-me: it logs no one in, so it is not a remembered
                // login.
                matches!(self.revoked(login.login()).await, Ok(false))
            }
            _ => false,
        }
    }
}
