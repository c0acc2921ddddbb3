//! Authorization: what a logged-in user may do, checked by the guard.
//!
//! A user type gets permissions from a field (`#[user(permissions)]` on a `Vec<Role>`, a
//! `HashSet<Role>`, ...) or from an async source (an `impl UserPermissions` that asks the
//! database). Either way they are resolved at most once per request, and only when something
//! asks: `#[login_required(permission = Role::Admin)]`, `RequireLogin::permission(..)`, the
//! [`Permissions`] extractor.
//!
//! The guard and `RequireLogin` do not name the user type (the same handler serves whichever
//! `LoginManager` wraps it), so the permission a handler asks for reaches the request state
//! type-erased, and is compared with the user's set by type. A
//! permission of another type than the user's is a configuration mistake: a 500 whose log line
//! names both types, never a silent "no".

use std::any::{Any, type_name};
use std::borrow::Borrow;
use std::collections::{BTreeSet, HashSet};
use std::fmt::{self, Debug};
use std::hash::Hash;
use std::rc::Rc;

use actix_web::HttpRequest;

use crate::UserMixin;
use crate::error::LoginError;
use crate::future::LocalBoxFuture;
pub use crate::user::PermissionSource;

/// A permission type: an app's own enum (a misspelt permission is then a compile error), or
/// `String` for permissions kept in the database.
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// enum Role {
///     Admin,
///     Editor,
/// }
///
/// impl login_runtime::Permission for Role {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permission type",
    label = "a permission must be a type marked as one",
    note = "mark your permission enum with `impl login_runtime::Permission for {Self} {{}}` (it needs `Debug, Clone, PartialEq, Eq, Hash`), or use `String` permissions",
    note = "the user's permissions come from a field marked `#[user(permissions)]` or from an `impl UserPermissions for User`"
)]
pub trait Permission: Eq + Hash + Clone + Debug + 'static {}

impl Permission for String {}
impl Permission for &'static str {}

/// Where a user type's permissions come from: an async source, such as the database.
///
/// Resolved at most once per request, and only when a check asks. A field holding the
/// permissions needs no impl: mark it `#[user(permissions)]` and the derive writes this one
/// (and [`HasPermissions`]).
///
/// ```
/// use std::collections::HashSet;
/// use actix_web::{FromRequest, HttpRequest, web};
/// use login_runtime::{UserMixin, UserPermissions};
///
/// #[derive(Clone, UserMixin)]
/// struct User {
///     id: u64,
/// }
///
/// struct Db; // your pool
/// impl Db {
///     async fn permissions_of(&self, _user: u64) -> Result<Vec<String>, std::io::Error> {
///         Ok(vec!["articles.edit".to_owned()])
///     }
/// }
///
/// impl UserPermissions for User {
///     type Permission = String;
///
///     async fn permissions(&self, req: &HttpRequest) -> actix_web::Result<HashSet<String>> {
///         let db = web::Data::<Db>::extract(req).await?;
///         let names = db.permissions_of(self.id).await;
///         let names = names.map_err(actix_web::error::ErrorInternalServerError)?;
///         Ok(names.into_iter().collect())
///     }
/// }
/// ```
///
/// A failing source is answered like a failing user loader: an opaque 500, the error logged.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no permission source",
    label = "`{Self}` has no permissions to check",
    note = "mark the field that holds the permissions with `#[user(permissions)]` (a `Vec`, `HashSet` or `BTreeSet` of a permission type), or implement `login_runtime::UserPermissions` for `{Self}` to load them (say, from the database)"
)]
pub trait UserPermissions: UserMixin {
    /// The type of one permission: an enum of the app's, or `String`.
    type Permission: Permission;

    /// The user's permissions.
    fn permissions(
        &self,
        req: &HttpRequest,
    ) -> impl Future<Output = Result<HashSet<Self::Permission>, actix_web::Error>>;
}

/// A user whose permissions are a field, so that they can be checked without a request:
/// [`CurrentUser::has_permission`](crate::CurrentUser::has_permission). Written by
/// `#[user(permissions)]`.
#[diagnostic::on_unimplemented(
    message = "the permissions of `{Self}` are not a field, so they cannot be checked without a request",
    label = "`has_permission` needs `#[user(permissions)]` on a field of `{Self}`",
    note = "permissions loaded by an `impl UserPermissions` are read with the `login_runtime::Permissions<{Self}>` extractor: `permissions.contains(&..)`"
)]
pub trait HasPermissions: UserPermissions {
    /// Whether the user holds `permission`.
    fn has_permission<Q>(&self, permission: &Q) -> bool
    where
        Self::Permission: Borrow<Q>,
        Q: Eq + ?Sized;
}

/// The current user's permissions: resolved at most once per request, empty for a visitor.
///
/// ```
/// use login_runtime::Permissions;
/// # use login_runtime::{UserMixin, user_loader};
/// # #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)] enum Role { Admin }
/// # impl login_runtime::Permission for Role {}
/// # #[derive(Clone, UserMixin)] struct User { id: u64, #[user(permissions)] roles: Vec<Role> }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { None }
///
/// async fn menu(permissions: Permissions<User>) -> &'static str {
///     if permissions.contains(&Role::Admin) { "admin menu" } else { "menu" }
/// }
/// ```
///
/// It serializes as a list, for templates: `{% if "Admin" in permissions %}`.
pub struct Permissions<U: UserPermissions>(Option<Rc<HashSet<U::Permission>>>);

impl<U: UserPermissions> Permissions<U> {
    /// The permissions of a user (`None`: a visitor).
    pub(crate) fn new(set: Option<Rc<HashSet<U::Permission>>>) -> Self {
        Self(set)
    }

    /// Whether the user holds `permission`; never for a visitor.
    pub fn contains<Q>(&self, permission: &Q) -> bool
    where
        U::Permission: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.as_ref().is_some_and(|set| set.contains(permission))
    }

    /// The permissions, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &U::Permission> {
        self.0.iter().flat_map(|set| set.iter())
    }

    /// Whether there are none (always, for a visitor).
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|set| set.is_empty())
    }
}

impl<U: UserPermissions> Debug for Permissions<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<U> serde::Serialize for Permissions<U>
where
    U: UserPermissions,
    U::Permission: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// [`UserPermissions::permissions`], erased. Not public API.
#[doc(hidden)]
pub fn erased_source<'a, U: UserPermissions>(
    user: &'a U,
    req: &'a HttpRequest,
) -> LocalBoxFuture<'a, Result<Rc<dyn Any>, actix_web::Error>> {
    // Called inside the future, so that a panic while making it is caught with the rest.
    Box::pin(async move { Ok(Rc::new(user.permissions(req).await?) as Rc<dyn Any>) })
}

/// A permission a guard requires, without its type: compared with a user's set by type. Not
/// public API.
#[doc(hidden)]
pub trait AnyPermission: Debug {
    /// Whether `set` (a user's `HashSet<P>`) holds this permission; `None` when `set` is not
    /// a set of this permission's type.
    fn held_in(&self, set: &dyn Any) -> Option<bool>;

    /// The permission's type, for the log line of a mismatch.
    fn type_name(&self) -> &'static str;

    /// A copy, for a `RequireLogin` that adds another permission.
    fn boxed_clone(&self) -> Box<dyn AnyPermission>;
}

impl<P: Permission> AnyPermission for P {
    fn held_in(&self, set: &dyn Any) -> Option<bool> {
        if let Some(set) = set.downcast_ref::<HashSet<P>>() {
            return Some(set.contains(self));
        }
        // A `"name"` written in a guard checks a user whose permissions are `String`s.
        let name = (self as &dyn Any).downcast_ref::<&'static str>()?;
        let set = set.downcast_ref::<HashSet<String>>()?;
        Some(set.contains(*name))
    }

    fn type_name(&self) -> &'static str {
        type_name::<P>()
    }

    fn boxed_clone(&self) -> Box<dyn AnyPermission> {
        Box::new(self.clone())
    }
}

/// What a guard requires: every one of these permissions. Not public API.
#[doc(hidden)]
#[derive(Clone)]
pub struct Required(pub(crate) Rc<[Box<dyn AnyPermission>]>);

impl Required {
    /// Requires every one of `permissions`.
    pub fn all(permissions: Vec<Box<dyn AnyPermission>>) -> Self {
        Self(permissions.into())
    }
}

/// The permissions a `#[login_required(permission = ..)]` handler requires, as a type (the
/// guard is an extractor type; the macro writes one unit struct per handler). Not public API.
#[doc(hidden)]
pub trait RequiredPermissions: 'static {
    /// What the handler requires; `None` for no permission at all.
    fn required() -> Option<Required>;
}

/// A guard that requires no permission. Not public API.
#[doc(hidden)]
pub struct NoPermissions;

impl RequiredPermissions for NoPermissions {
    fn required() -> Option<Required> {
        None
    }
}

impl Debug for Required {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// Whether `set` holds every permission of `required`; a permission of another type than the
/// set's is the misconfiguration error.
pub(crate) fn holds_all(
    set: &dyn Any,
    required: &[Box<dyn AnyPermission>],
    user_type: &'static str,
) -> Result<bool, LoginError> {
    for permission in required {
        match permission.held_in(set) {
            Some(true) => {}
            Some(false) => return Ok(false),
            None => {
                return Err(LoginError::misconfigured(format!(
                    "a guard requires the permission {permission:?}, a `{}`, but the \
                     permissions of `{user_type}` are of another type; require a permission \
                     of the type `{user_type}`'s permission source returns",
                    permission.type_name()
                )));
            }
        }
    }
    Ok(true)
}

/// A field `#[user(permissions)]` marks: a collection of one permission type.
#[diagnostic::on_unimplemented(
    message = "`#[user(permissions)]` marks a collection of permissions, not a `{Self}`",
    label = "expected a `Vec`, `HashSet`, `BTreeSet`, slice or array of a permission type",
    note = "a permission type is an enum marked with `impl login_runtime::Permission for Role {{}}`, or `String`"
)]
pub trait PermissionField {
    /// The permission type.
    type Permission: Permission;

    /// The permissions held.
    fn permission_iter(&self) -> impl Iterator<Item = &Self::Permission>;
}

impl<P: Permission> PermissionField for Vec<P> {
    type Permission = P;
    fn permission_iter(&self) -> impl Iterator<Item = &P> {
        self.iter()
    }
}

impl<P: Permission, S> PermissionField for HashSet<P, S> {
    type Permission = P;
    fn permission_iter(&self) -> impl Iterator<Item = &P> {
        self.iter()
    }
}

impl<P: Permission> PermissionField for BTreeSet<P> {
    type Permission = P;
    fn permission_iter(&self) -> impl Iterator<Item = &P> {
        self.iter()
    }
}

impl<P: Permission> PermissionField for [P] {
    type Permission = P;
    fn permission_iter(&self) -> impl Iterator<Item = &P> {
        self.iter()
    }
}

impl<P: Permission, const N: usize> PermissionField for [P; N] {
    type Permission = P;
    fn permission_iter(&self) -> impl Iterator<Item = &P> {
        self.iter()
    }
}

impl<T: PermissionField + ?Sized> PermissionField for Box<T> {
    type Permission = T::Permission;
    fn permission_iter(&self) -> impl Iterator<Item = &T::Permission> {
        (**self).permission_iter()
    }
}
