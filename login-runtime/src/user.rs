//! The user traits: what a logged-in user and an anonymous visitor look like to the library.

use std::any::Any;
use std::rc::Rc;

use crate::future::LocalBoxFuture;

/// The type-erased permission source a user type's derive records: its
/// [`UserPermissions::permissions`](crate::UserPermissions::permissions), with the set boxed as
/// `Any`. Here rather than in `permission.rs`, which depends on this module. Not public API.
#[doc(hidden)]
pub type PermissionSource<U> =
    for<'a> fn(
        &'a U,
        &'a actix_web::HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn Any>, actix_web::Error>>;

/// A user that can log in. Derive it with `#[derive(UserMixin)]`.
///
/// The id returned by [`get_id`](UserMixin::get_id) is what the session stores and what the
/// [`#[user_loader]`](crate::user_loader) receives on the next request.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a login user type",
    label = "`{Self}` does not implement `UserMixin`",
    note = "add `#[derive(login_runtime::UserMixin)]` to `{Self}` (it needs an `id` field or a field marked `#[user(id)]`)"
)]
pub trait UserMixin: 'static {
    /// What [`CurrentUser`](crate::CurrentUser) holds for a visitor who is not logged in.
    type Anonymous: AnonymousUserMixin;

    /// The id the session stores; the user loader receives it back on later requests.
    fn get_id(&self) -> String;

    /// Inactive users cannot log in unless the login is forced, and a user who becomes inactive
    /// is anonymous on their next request.
    fn is_active(&self) -> bool {
        true
    }

    /// Whether [`get_id`](UserMixin::get_id) is `id`. The derive implements it without
    /// allocating; the library asks it for every loaded user, to refuse a loader that returned
    /// someone else.
    fn has_id(&self, id: &str) -> bool {
        self.get_id() == id
    }

    /// Whether this user counts as logged in. Follows [`is_active`](UserMixin::is_active).
    fn is_authenticated(&self) -> bool {
        self.is_active()
    }

    /// Always `false` for a real user.
    fn is_anonymous(&self) -> bool {
        false
    }

    /// Bytes that, when they change (say, the password hash), should end the user's other
    /// sessions. `None` (the default) opts out.
    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        None
    }

    /// Where the guard finds this type's permissions: `#[derive(UserMixin)]` fills it in when
    /// the type implements [`UserPermissions`](crate::UserPermissions) (from a field or by
    /// hand). Not public API.
    #[doc(hidden)]
    fn __permission_source() -> Option<PermissionSource<Self>>
    where
        Self: Sized,
    {
        None
    }
}

/// The visitor who is not logged in. The default implementation is [`AnonymousUser`]; pick your
/// own with `#[user(anonymous = Guest)]` on the user struct.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand in for an anonymous visitor",
    label = "`{Self}` does not implement `AnonymousUserMixin`",
    note = "implement it with `impl login_runtime::AnonymousUserMixin for {Self} {{}}` (the type must also implement `Default`)"
)]
pub trait AnonymousUserMixin: Default + 'static {
    /// Always `false` for a visitor.
    fn is_authenticated(&self) -> bool {
        false
    }

    /// Always `false` for a visitor.
    fn is_active(&self) -> bool {
        false
    }

    /// Always `true` for a visitor.
    fn is_anonymous(&self) -> bool {
        true
    }

    /// A visitor has no id.
    fn get_id(&self) -> Option<String> {
        None
    }
}

/// The default anonymous visitor: not authenticated, not active, no id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AnonymousUser;

impl AnonymousUserMixin for AnonymousUser {}

/// No fields of its own: in a template, `current_user` of a visitor then has only the `is_*`
/// flags.
impl serde::Serialize for AnonymousUser {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        serializer.serialize_map(Some(0))?.end()
    }
}
