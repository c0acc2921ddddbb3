//! Per-request login state: the lazily resolved user, cached once per request.

use std::any::type_name;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::UserLoader;
use crate::error::LoginError;
use crate::manager::Config;

/// The one session key the library owns. A single record, so it can never be half-written.
pub(crate) const SESSION_KEY: &str = "_login";

/// What the session stores for a logged-in user.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    /// The user's `get_id()`.
    pub(crate) id: String,
    /// Whether the login came from credentials in this session (Flask's `_fresh`).
    pub(crate) fresh: bool,
    /// The login was forced for a user who was already inactive, so inactivity alone does not
    /// end it (spec line 4 vs. line 7: only a user who *becomes* inactive is logged out).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) forced: bool,
}

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
    pub(crate) config: Arc<Config>,
    /// Whether actix-session's middleware ran before ours (checked once, on the way in).
    session_ok: bool,
    /// The identity as loaded from the session: resolved at most once, on first demand.
    loaded: OnceCell<Option<Identity<U>>>,
    /// Set by `login_user`/`logout_user`, and then wins over `loaded` for the rest of the request.
    changed: RefCell<Option<Option<Identity<U>>>>,
}

impl<U: UserLoader> RequestState<U> {
    /// Installs fresh state for this request; the user is not loaded until someone asks.
    pub(crate) fn install(req: &ServiceRequest, config: &Arc<Config>) {
        let state = Rc::new(Self {
            config: Arc::clone(config),
            session_ok: session_middleware_ran(req),
            loaded: OnceCell::new(),
            changed: RefCell::new(None),
        });
        let mut ext = req.extensions_mut();
        ext.insert(Rc::clone(&state) as Rc<dyn ErasedState>);
        ext.insert(state);
    }

    /// The state `LoginManager<U>` installed, or the misconfiguration that explains its absence.
    pub(crate) fn get(req: &HttpRequest) -> Result<Rc<Self>, LoginError> {
        let ext = req.extensions();
        if let Some(state) = ext.get::<Rc<Self>>() {
            return Ok(Rc::clone(state));
        }
        let wanted = type_name::<U>();
        Err(LoginError::misconfigured(
            match ext.get::<Rc<dyn ErasedState>>() {
                Some(other) => format!(
                    "a handler asked for the user type `{wanted}`, but the `LoginManager` on this \
                 route serves `{}`; use that type, or wrap the app with `LoginManager::<{wanted}>::new()`",
                    other.user_type()
                ),
                None => format!(
                    "a handler asked for the current `{wanted}`, but no `LoginManager` wraps this \
                 route; add `.wrap(LoginManager::<{wanted}>::new())` to the `App`"
                ),
            },
        ))
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
        Ok(self
            .loaded
            .get_or_try_init(|| self.load(req))
            .await?
            .clone())
    }

    /// Records a login or logout made by this request.
    pub(crate) fn set_identity(&self, identity: Option<Identity<U>>) {
        *self.changed.borrow_mut() = Some(identity);
    }

    async fn load(&self, req: &HttpRequest) -> Result<Option<Identity<U>>, LoginError> {
        let session = self.session(req)?;
        let record = match session.get::<SessionRecord>(SESSION_KEY) {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(err) => {
                // Wrong-typed data under our key: anonymous, and the data is left for inspection.
                tracing::debug!(target: "login_runtime", "unreadable login record in session: {err}");
                return Ok(None);
            }
        };
        let user = U::load_user(req, &record.id)
            .await
            .map_err(|cause| LoginError::loader_failed(type_name::<U>(), cause))?;
        let Some(user) = user else {
            return Ok(None);
        };
        if user.get_id() != record.id {
            tracing::warn!(
                target: "login_runtime",
                "the user loader for `{}` was asked for id {:?} and returned a user with id {:?}; \
                 treating the request as anonymous",
                type_name::<U>(),
                record.id,
                user.get_id(),
            );
            return Ok(None);
        }
        if !record.forced && !user.is_active() {
            return Ok(None);
        }
        Ok(Some(Identity {
            user: Rc::new(user),
            fresh: record.fresh,
        }))
    }
}

pub(crate) type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The part of the request state that needs no user type: what `#[login_required]`,
/// `logout_user` and `login_fresh` use.
pub(crate) trait ErasedState {
    /// `Ok` when the request may proceed; otherwise the unauthorized (or needs-refresh) response.
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>>;
    fn logout(&self, req: &HttpRequest) -> Result<(), LoginError>;
    fn login_fresh(&self, req: &HttpRequest) -> bool;
    fn user_type(&self) -> &'static str;
}

impl<U: UserLoader> ErasedState for RequestState<U> {
    fn require<'a>(
        &'a self,
        req: &'a HttpRequest,
        fresh: bool,
    ) -> LocalBoxFuture<'a, Result<(), actix_web::Error>> {
        Box::pin(async move {
            if self.config.is_exempt(req.method()) {
                return Ok(());
            }
            match self.identity(req).await? {
                Some(identity) if identity.fresh || !fresh => Ok(()),
                Some(_) => Err(self.config.needs_refresh(req)),
                None => Err(self.config.unauthorized(req)),
            }
        })
    }

    fn logout(&self, req: &HttpRequest) -> Result<(), LoginError> {
        let session = self.session(req)?;
        // Only touch the session when it holds an identity: a no-op logout sets no cookie.
        if session.contains_key(SESSION_KEY) {
            session.remove(SESSION_KEY);
        }
        self.set_identity(None);
        Ok(())
    }

    fn login_fresh(&self, req: &HttpRequest) -> bool {
        if let Some(changed) = &*self.changed.borrow() {
            return changed.as_ref().is_some_and(|identity| identity.fresh);
        }
        if let Some(loaded) = self.loaded.get() {
            return loaded.as_ref().is_some_and(|identity| identity.fresh);
        }
        // Not resolved yet: read the flag the way Flask-Login does, without loading the user.
        self.session_ok
            && matches!(
                req.get_session().get::<SessionRecord>(SESSION_KEY),
                Ok(Some(SessionRecord { fresh: true, .. }))
            )
    }

    fn user_type(&self) -> &'static str {
        type_name::<U>()
    }
}

/// Whether actix-session's `SessionMiddleware` has already put its session into this request.
///
/// actix-session's state type is private, and `get_session()` silently creates an empty session
/// when there is none, so a missing or misordered middleware would otherwise go unnoticed and
/// every login would be lost. The probe: with the extensions set aside, `get_session()` creates
/// a throwaway session; putting the set-aside extensions back over it replaces the throwaway only
/// if a real session was there. The throwaway is empty and unchanged, so it never sets a cookie.
fn session_middleware_ran(req: &ServiceRequest) -> bool {
    let saved = std::mem::take(&mut *req.extensions_mut());
    let throwaway = req.get_session();
    let mut ext = req.extensions_mut();
    let mut merged = std::mem::take(&mut *ext);
    merged.extend(saved);
    *ext = merged;
    drop(ext);
    let current = req.get_session();
    let same = std::ptr::eq(&*throwaway.entries(), &*current.entries());
    !same
}
