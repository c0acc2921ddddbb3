//! Extractors: the current user and their permissions, and the login guard `#[login_required]`
//! expands to.

use std::any::type_name;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::error::LoginError;
use crate::future::LocalBoxFuture;
use crate::permission::{
    HasPermissions, NoPermissions, Permissions, RequiredPermissions, UserPermissions,
};
use crate::request_state::{Identity, RequestState};
use crate::untyped_state::untyped_state;
use crate::{AnonymousUserMixin, UserLoader, UserMixin};

/// The current user, or the anonymous fallback. Never rejects a request.
///
/// ```
/// use login_runtime::CurrentUser;
/// # use login_runtime::{UserMixin, user_loader};
/// # #[derive(Clone, UserMixin)] struct User { id: u64, name: String }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { None }
///
/// async fn index(user: CurrentUser<User>) -> String {
///     match user.user() {
///         Some(user) => format!("Hi {}", user.name),
///         None => "Hi stranger".to_owned(),
///     }
/// }
/// ```
pub enum CurrentUser<U: UserMixin> {
    /// A logged-in user.
    Authenticated(Rc<U>),
    /// A visitor who is not logged in.
    Anonymous(U::Anonymous),
}

impl<U: UserMixin> CurrentUser<U> {
    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&U> {
        match self {
            Self::Authenticated(user) => Some(user),
            Self::Anonymous(_) => None,
        }
    }

    /// The anonymous stand-in (the type of `#[user(anonymous = Guest)]`), for a visitor.
    pub fn anonymous(&self) -> Option<&U::Anonymous> {
        match self {
            Self::Authenticated(_) => None,
            Self::Anonymous(anonymous) => Some(anonymous),
        }
    }

    /// Whether a user is logged in.
    pub fn is_authenticated(&self) -> bool {
        match self {
            Self::Authenticated(user) => user.is_authenticated(),
            Self::Anonymous(anonymous) => anonymous.is_authenticated(),
        }
    }

    /// Whether this is the anonymous fallback.
    pub fn is_anonymous(&self) -> bool {
        match self {
            Self::Authenticated(user) => user.is_anonymous(),
            Self::Anonymous(anonymous) => anonymous.is_anonymous(),
        }
    }

    /// Whether the user is active (never true for a visitor).
    pub fn is_active(&self) -> bool {
        match self {
            Self::Authenticated(user) => user.is_active(),
            Self::Anonymous(anonymous) => anonymous.is_active(),
        }
    }

    /// The user's id; `None` for a visitor.
    pub fn get_id(&self) -> Option<String> {
        match self {
            Self::Authenticated(user) => Some(user.get_id()),
            Self::Anonymous(anonymous) => anonymous.get_id(),
        }
    }

    /// Whether the user holds `permission`; never for a visitor. For permissions kept in a
    /// field (`#[user(permissions)]`); permissions from an async source are read with the
    /// [`Permissions`](crate::Permissions) extractor.
    pub fn has_permission<Q>(&self, permission: &Q) -> bool
    where
        U: HasPermissions,
        U::Permission: std::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.user()
            .is_some_and(|user| user.is_authenticated() && user.has_permission(permission))
    }
}

/// For templates, as Flask-Login's `current_user`: `is_authenticated`, `is_anonymous` and
/// `is_active`, plus the user's own fields when logged in, or the anonymous type's fields for a
/// visitor (so `{{ current_user.name }}` can show a custom anonymous user's "Guest"). Both must
/// serialize as a map or struct, without fields of those three names; the default
/// [`AnonymousUser`](crate::AnonymousUser) has no fields.
impl<U> serde::Serialize for CurrentUser<U>
where
    U: UserMixin + serde::Serialize,
    U::Anonymous: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a, U, A> {
            is_authenticated: bool,
            is_anonymous: bool,
            is_active: bool,
            #[serde(flatten)]
            user: Option<&'a U>,
            #[serde(flatten)]
            anonymous: Option<&'a A>,
        }
        View {
            is_authenticated: self.is_authenticated(),
            is_anonymous: self.is_anonymous(),
            is_active: self.is_active(),
            user: self.user(),
            anonymous: self.anonymous(),
        }
        .serialize(serializer)
    }
}

impl<U: UserMixin> fmt::Debug for CurrentUser<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Authenticated(user) => f
                .debug_tuple("Authenticated")
                .field(&user.get_id())
                .finish(),
            Self::Anonymous(_) => f.write_str("Anonymous"),
        }
    }
}

impl<U: UserMixin> CurrentUser<U> {
    fn from_identity(identity: Option<Identity<U>>) -> Self {
        match identity {
            Some(identity) => Self::Authenticated(identity.user),
            None => Self::Anonymous(U::Anonymous::default()),
        }
    }
}

impl<U: UserLoader> FromRequest for CurrentUser<U> {
    type Error = actix_web::Error;
    type Future = MaybeReady<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = match RequestState::<U>::get(req) {
            Ok(state) => state,
            Err(err) => return MaybeReady::ready(Err(err.into())),
        };
        // Behind `#[login_required]` the user is already resolved: no future to allocate.
        if let Some(identity) = state.resolved_identity() {
            return MaybeReady::ready(Ok(Self::from_identity(identity)));
        }
        let req = req.clone();
        MaybeReady::Pending(Box::pin(async move {
            Ok(Self::from_identity(state.identity(&req).await?))
        }))
    }
}

impl<U: UserLoader + UserPermissions> FromRequest for Permissions<U> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = RequestState::<U>::get(&req)?;
            let Some(set) = state.permission_set(&req).await? else {
                return Ok(Self::new(None));
            };
            // The set was made by `U`'s own source, so it is `U`'s type.
            match set.downcast::<HashSet<U::Permission>>() {
                Ok(set) => Ok(Self::new(Some(set))),
                Err(_) => Err(LoginError::misconfigured(format!(
                    "the permissions of `{}` are not a set of `{}`",
                    type_name::<U>(),
                    type_name::<U::Permission>()
                ))
                .into()),
            }
        })
    }
}

/// A future that is often ready at once; boxed only when it is not.
#[doc(hidden)]
pub enum MaybeReady<T> {
    /// The value, taken on the first poll.
    Ready(Option<T>),
    /// Still to resolve.
    Pending(LocalBoxFuture<'static, T>),
}

// The value is only ever moved out whole, never pinned in place.
impl<T> Unpin for MaybeReady<T> {}

impl<T> MaybeReady<T> {
    fn ready(value: T) -> Self {
        Self::Ready(Some(value))
    }
}

impl<T> Future for MaybeReady<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            Self::Ready(value) => value.take().map_or(Poll::Pending, Poll::Ready),
            Self::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

/// A logged-in user; rejects the request with the unauthorized response otherwise.
///
/// Put it first among a handler's extractors, or use `#[login_required]`, which also keeps any
/// body extractor from reading the body of an anonymous request.
pub struct Authenticated<U>(Rc<U>);

impl<U> Authenticated<U> {
    /// The shared user.
    pub fn into_inner(self) -> Rc<U> {
        self.0
    }
}

impl<U> Deref for Authenticated<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: UserMixin> fmt::Debug for Authenticated<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authenticated")
            .field(&self.0.get_id())
            .finish()
    }
}

impl<U: UserLoader> FromRequest for Authenticated<U> {
    type Error = actix_web::Error;
    type Future = MaybeReady<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = match RequestState::<U>::get(req) {
            Ok(state) => state,
            Err(err) => return MaybeReady::ready(Err(err.into())),
        };
        if let Some(Some(identity)) = state.resolved_identity() {
            return MaybeReady::ready(Ok(Self(identity.user)));
        }
        let req = req.clone();
        MaybeReady::Pending(Box::pin(async move {
            match state.identity(&req).await? {
                Some(identity) => Ok(Self(identity.user)),
                None => Err(state.config.unauthorized(&req, None)),
            }
        }))
    }
}

/// The extractor `#[login_required]` turns a handler's parameters into.
///
/// It checks the login first and only then extracts `Args` (the handler's own extractors, as a
/// tuple), so an anonymous request gets the unauthorized response before anything reads its
/// body. Not public API.
#[doc(hidden)]
pub struct LoginRequired<Args, const FRESH: bool, P = NoPermissions>(Args, PhantomData<P>);

impl<Args, const FRESH: bool, P> LoginRequired<Args, FRESH, P> {
    /// The handler's extractors, checked.
    pub fn into_inner(self) -> Args {
        self.0
    }
}

impl<Args, const FRESH: bool, P> FromRequest for LoginRequired<Args, FRESH, P>
where
    Args: FromRequest + 'static,
    P: RequiredPermissions,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // Held back until the login check passes.
        let mut payload = payload.take();
        Box::pin(async move {
            let state = untyped_state(&req, "`#[login_required]` on the handler for")?;
            let required = P::required();
            state.require(&req, FRESH, None, required.as_ref()).await?;
            let args = Args::from_request(&req, &mut payload).await;
            args.map(|args| Self(args, PhantomData)).map_err(Into::into)
        })
    }
}
