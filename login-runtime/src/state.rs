//! Per-request login state: the lazily resolved user, cached once per request, and the cookie
//! changes to apply to the response.

use std::any::type_name;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::erased::ErasedState;
use crate::error::LoginError;
use crate::events::{LoginEvent, emit};
use crate::manager::Config;
use crate::protection::identifier;
use crate::record::{SESSION_KEY, SessionRecord, read_record, unix_now};
use crate::remember::RememberCheck;
use crate::{LoginOptions, SessionProtection, UserLoader};

pub(crate) type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

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

/// What happens to the remember cookie on the way out.
enum CookieChange {
    Keep,
    Set(Cookie<'static>),
    Clear,
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
}

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
        });
        // One entry serves both the typed and the type-erased users (see `get`).
        req.extensions_mut()
            .insert(Rc::clone(&state) as Rc<dyn ErasedState>);
        state
    }

    /// The state `LoginManager<U>` installed, or the misconfiguration that explains its absence.
    pub(crate) fn get(req: &HttpRequest) -> Result<Rc<Self>, LoginError> {
        let erased = req.extensions().get::<Rc<dyn ErasedState>>().cloned();
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

    pub(crate) fn emit(&self, req: &HttpRequest, event: &LoginEvent<'_, U>) {
        emit(self.config.listener.as_ref(), req, event);
    }

    /// Whether login records need timestamps: only when a timeout reads them.
    fn timed(&self) -> bool {
        self.config.idle_timeout.is_some() || self.config.absolute_timeout.is_some()
    }

    fn client_id(&self, req: &HttpRequest) -> Option<String> {
        (self.config.protection != SessionProtection::Off)
            .then(|| identifier(req, &self.config.trusted_proxies))
    }

    fn remember_check(&self, req: &HttpRequest) -> &RememberCheck {
        self.remember.get_or_init(|| match &self.config.remember {
            Some(remember) => remember.check(req),
            None => RememberCheck::Absent,
        })
    }

    /// Resolution, in Flask-Login's order: session → remember cookie → request loader.
    async fn load(&self, req: &HttpRequest) -> Result<Option<Identity<U>>, LoginError> {
        let session = self.session(req)?;
        if let Some(mut record) = read_record(&session) {
            if !self.protect(req, &session, &mut record) {
                return Ok(None);
            }
            let now = unix_now();
            let (idle, absolute) = (self.config.idle_timeout, self.config.absolute_timeout);
            if record.expired(now, idle, absolute) {
                // Timed out: the record goes, and a valid remember cookie may still restore a
                // non-fresh login below.
                self.remove_record(&session);
                return self.load_after_session(req, &session).await;
            }
            let user = self.load_user(req, &record.id, record.forced).await?;
            match user.filter(|user| self.config.auth.matches(&record.hash, &**user)) {
                Some(user) => {
                    if let Some(idle) = idle
                        && record.stale_seen(now, idle)
                    {
                        record.seen = now;
                        self.write_record(&session, &record);
                    }
                    return Ok(Some(Identity {
                        user,
                        fresh: record.fresh,
                    }));
                }
                // The user is gone, became inactive, or changed their password since this
                // login: the record can never be valid again (security bar S3, S5).
                None => self.remove_record(&session),
            }
        }
        self.load_after_session(req, &session).await
    }

    /// The rest of the resolution order, when the session holds no valid login.
    async fn load_after_session(
        &self,
        req: &HttpRequest,
        session: &Session,
    ) -> Result<Option<Identity<U>>, LoginError> {
        if let Some(identity) = self.load_from_cookie(req, session).await? {
            return Ok(Some(identity));
        }
        // Unlike Flask-Login, an invalid remember cookie does not stop the request loader.
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
    fn protect(&self, req: &HttpRequest, session: &Session, record: &mut SessionRecord) -> bool {
        let protection = self.config.protection;
        let (Some(stored), Some(current)) = (&record.client, self.client_id(req)) else {
            return true;
        };
        if *stored == current {
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

    async fn load_from_cookie(
        &self,
        req: &HttpRequest,
        session: &Session,
    ) -> Result<Option<Identity<U>>, LoginError> {
        let Some(remember) = &self.config.remember else {
            return Ok(None);
        };
        let (id, tag, remaining, rotated) = match self.remember_check(req) {
            RememberCheck::Valid {
                id,
                tag,
                remaining,
                rotated,
                ..
            } => (id.clone(), tag.clone(), *remaining, *rotated),
            RememberCheck::Invalid => {
                self.set_cookie_change(CookieChange::Clear);
                return Ok(None);
            }
            RememberCheck::Absent => return Ok(None),
        };
        let user = self.load_user(req, &id, false).await?;
        let Some(user) = user.filter(|user| self.config.auth.matches(&tag, &**user)) else {
            // The user is gone, inactive, or changed their password: the cookie can never log
            // anyone in again.
            self.set_cookie_change(CookieChange::Clear);
            return Ok(None);
        };
        // Into the session, with this client's identifier, so that `Strong` protection accepts
        // the next request (Flask-Login logs such a user out again at once).
        let record = SessionRecord::new(id.clone(), false, self.client_id(req), tag, self.timed());
        self.write_record(session, &record);
        if rotated {
            // Re-keyed, not extended: the cookie keeps the time it had left.
            let cookie = remember.issue(&id, &record.hash, Some(remaining));
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

    fn write_record(&self, session: &Session, record: &SessionRecord) {
        self.wrote_session.set(true);
        if let Err(err) = session.insert(SESSION_KEY, record) {
            tracing::error!(target: "login_runtime", "cannot write the login record: {err}");
        }
    }

    /// Removes the login record, touching the session only if there is one: a removal marks
    /// the session changed (and costs a `Set-Cookie`) even when the key is absent.
    fn remove_record(&self, session: &Session) {
        if session.contains_key(SESSION_KEY) {
            session.remove(SESSION_KEY);
            self.wrote_session.set(true);
        }
    }

    fn set_cookie_change(&self, change: CookieChange) {
        *self.cookie_change.borrow_mut() = change;
    }

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
        match session.get::<SessionRecord>(SESSION_KEY) {
            Ok(Some(previous)) if previous.id == id => {}
            Ok(None) => {}
            _ => session.clear(),
        }
        let record = SessionRecord {
            forced: !active,
            ..SessionRecord::new(
                id,
                options.fresh,
                self.client_id(req),
                self.config.auth.tag(&*user),
                self.timed(),
            )
        };
        session.insert(SESSION_KEY, &record).map_err(|err| {
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

    /// Applies the request's cookie changes and cache headers to its response.
    pub(crate) fn finish<B>(&self, res: &mut ServiceResponse<B>) {
        let changed = self.changed.borrow().is_some();
        let pending_cookie = !matches!(*self.cookie_change.borrow(), CookieChange::Keep);
        if !changed && !self.accessed.get() && !self.wrote_session.get() && !pending_cookie {
            return; // the request never looked at the user: nothing to do (spec line 34)
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
                id, tag, lifetime, ..
            } if *id == identity.user.get_id() => Some(remember.issue(id, tag, Some(*lifetime))),
            _ => None,
        }
    }
}

impl<U: UserLoader> ErasedState for RequestState<U> {
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
        login_view: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>> {
        Box::pin(async move {
            if self.config.exempt_methods.contains(req.method()) {
                return Ok(());
            }
            match self.identity(req).await? {
                Some(identity) if identity.fresh || !fresh => Ok(()),
                Some(_) => Err(self.config.needs_refresh(req)),
                None => Err(self.config.unauthorized(req, login_view)),
            }
        })
    }

    fn logout(&self, req: &HttpRequest) -> Result<(), LoginError> {
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

    fn confirm(&self, req: &HttpRequest) -> Result<(), LoginError> {
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

    fn login_fresh(&self, req: &HttpRequest) -> bool {
        if self.changed.borrow().is_some() || self.loaded.initialized() {
            return self
                .resolved_identity()
                .flatten()
                .is_some_and(|identity| identity.fresh);
        }
        // Not resolved yet: read the flag the way Flask-Login does, without loading the user.
        self.session_ok && read_record(&req.get_session()).is_some_and(|record| record.fresh)
    }

    fn login_remembered(&self, req: &HttpRequest) -> bool {
        !matches!(*self.cookie_change.borrow(), CookieChange::Clear)
            && matches!(self.remember_check(req), RememberCheck::Valid { .. })
    }

    fn user_type(&self) -> &'static str {
        type_name::<U>()
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}

pin_project_lite::pin_project! {
    /// Turns a panic inside a loader into an error for that request, so one bad row cannot take
    /// a worker and every request on it down (security bar L2).
    struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

fn catch_unwind<F>(inner: F) -> CatchUnwind<F> {
    CatchUnwind { inner }
}

impl<F, T> Future for CatchUnwind<F>
where
    F: Future<Output = Result<T, actix_web::Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let inner = self.project().inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(_) => std::task::Poll::Ready(Err(actix_web::error::ErrorInternalServerError(
                "the loader panicked",
            ))),
        }
    }
}
