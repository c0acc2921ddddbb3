//! What macro expansions need. Not public API: it changes without notice.

pub use crate::extract::LoginRequired;
pub use crate::loader::{UserId, parse_canonical_id};
pub use crate::permission::erased_source as erased_permission_source;
pub use crate::permission::{
    AnyPermission, PermissionField, PermissionSource, Required, RequiredPermissions,
};
pub use actix_web;

// Compile-time checks. The macros call each fn with the user's type as the turbofish
// argument, so an unmet bound is reported on that type, in the user's code, with the
// trait's `on_unimplemented` message; and since the fn is also what does the work, nothing
// else fails alongside it.

use actix_web::{FromRequest, HttpRequest};
use std::fmt::Display;

/// A parameter after the id of a `#[user_loader]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actix-web extractor",
    label = "a user loader's parameters after the id are resolved from the request",
    note = "to reach shared state, register it with `App::app_data(web::Data::new(..))` and take `web::Data<{Self}>`",
    note = "other extractors work too: `HttpRequest`, `web::Header<_>`, or your own `FromRequest` type",
    note = "a user loader takes exactly one id, its first parameter"
)]
pub trait UserLoaderParam: FromRequest {}
impl<T: FromRequest> UserLoaderParam for T {}

/// A parameter of a `#[request_loader]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actix-web extractor",
    label = "every parameter of a request loader is resolved from the request",
    note = "a request loader takes no id: read the credentials from `req: HttpRequest` (a header, the query)",
    note = "to reach shared state, register it with `App::app_data(web::Data::new(..))` and take `web::Data<{Self}>`"
)]
pub trait RequestLoaderParam: FromRequest {}
impl<T: FromRequest> RequestLoaderParam for T {}

/// What the parameter extractors return. Boxed rather than `impl Future`: an opaque type
/// would repeat its bounds wherever it is awaited, reporting a missing extractor twice.
pub type Extracted<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// Extracts a `#[user_loader]` parameter.
pub fn user_loader_param<T: UserLoaderParam + 'static>(req: &HttpRequest) -> Extracted<T> {
    let extract = T::extract(req);
    Box::pin(async move { extract.await.map_err(Into::into) })
}

/// Extracts a `#[request_loader]` parameter.
pub fn request_loader_param<T: RequestLoaderParam + 'static>(req: &HttpRequest) -> Extracted<T> {
    let extract = T::extract(req);
    Box::pin(async move { extract.await.map_err(Into::into) })
}

/// The id parameter of a `#[user_loader]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a user id",
    label = "the id parameter must implement `FromStr` and `Display`",
    note = "use `String` or an integer type, or implement both for `{Self}`: the session stores `Display` output and the loader parses it back with `FromStr`"
)]
pub trait IdParam: UserId {}
// One error naming this trait, rather than one per missing supertrait of `UserId`.
#[diagnostic::do_not_recommend]
impl<T: UserId> IdParam for T {}

/// Parses the session's id for a `#[user_loader]`; see [`parse_canonical_id`].
pub fn parse_id<T: IdParam>(raw: &str) -> Option<T> {
    parse_canonical_id(raw)
}

/// The `E` of a loader returning `Result<Option<User>, E>`, turned into the `actix_web::Error`
/// that `LoginError::loader_failed` logs and answers with an opaque 500.
///
/// `E` may be any of: a type that converts into `actix_web::Error` (`actix_web::Error` itself,
/// a `ResponseError`), a `std::error::Error + 'static` (what database crates return), or a
/// report that converts into `Box<dyn Error + Send + Sync>` (`anyhow::Error`, `String`). One
/// trait cannot have a blanket impl for each: they overlap (`io::Error` is a `ResponseError`
/// and a std error), and coherence refuses overlapping blanket impls. So the expansion, which
/// knows `E`, calls `(&&&Kind::of(&e)).loader_error::<E>()` with all four traits below in
/// scope: method resolution takes the first receiver, from `&&&Kind<E>` down to `Kind<E>`,
/// whose impl applies. That order is the order of preference: an actix error stays
/// what it was; a std error keeps its `source()` chain for the log. `Kind<E>` itself always
/// matches, and its method's bound is the compile error for an `E` that is none of these.
pub mod loader_error {
    use std::error::Error as StdError;
    use std::fmt;
    use std::marker::PhantomData;

    use actix_web::{HttpResponse, ResponseError};

    /// The loader's `E`, as a type to dispatch on.
    pub struct Kind<E>(PhantomData<fn(E)>);

    impl<E> Kind<E> {
        /// The kind of `error`'s type.
        pub fn of(_: &E) -> Self {
            Self(PhantomData)
        }
    }

    /// The conversion, chosen by type: a plain fn the expansion then calls with the error.
    ///
    /// Each method takes `E` again as its type argument, which the expansion writes as the
    /// user's own `E` tokens, so that the last one's bound is reported there.
    type Convert<E> = fn(E) -> actix_web::Error;

    /// First choice: `E` converts into `actix_web::Error` and is kept as it is.
    pub trait ViaActixError {
        /// How to convert the loader's error.
        fn loader_error<E: Into<actix_web::Error>>(&self) -> Convert<E>;
    }
    impl<E: Into<actix_web::Error>> ViaActixError for &&&Kind<E> {
        fn loader_error<T: Into<actix_web::Error>>(&self) -> Convert<T> {
            Into::into
        }
    }

    /// Second: any `std::error::Error + 'static`, logged with its sources.
    pub trait ViaStdError {
        /// How to convert the loader's error.
        fn loader_error<E: StdError + 'static>(&self) -> Convert<E>;
    }
    impl<E: StdError + 'static> ViaStdError for &&Kind<E> {
        fn loader_error<T: StdError + 'static>(&self) -> Convert<T> {
            |error| LoaderFailure(Box::new(error)).into()
        }
    }

    /// Third: an error report that is not itself a `std::error::Error` (`anyhow::Error`,
    /// `Box<dyn Error + Send + Sync>`, `String`).
    pub trait ViaBoxedError {
        /// How to convert the loader's error.
        fn loader_error<E: Into<Box<dyn StdError + Send + Sync>>>(&self) -> Convert<E>;
    }
    impl<E: Into<Box<dyn StdError + Send + Sync>>> ViaBoxedError for &Kind<E> {
        fn loader_error<T: Into<Box<dyn StdError + Send + Sync>>>(&self) -> Convert<T> {
            |error| LoaderFailure(error.into()).into()
        }
    }

    /// Last: any other `E`, which the bound of its method reports.
    pub trait NotAnError {
        /// Reports that the loader's error type is none of the above.
        fn loader_error<E: LoaderError>(&self) -> Convert<E>;
    }
    impl<E> NotAnError for Kind<E> {
        fn loader_error<T: LoaderError>(&self) -> Convert<T> {
            T::into_actix_error
        }
    }

    /// What a loader's error type must be; only named by the error for one that is not.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a loader's error type",
        label = "`{Self}` is not an error type",
        note = "a loader may fail with any `std::error::Error + 'static` (such as `sqlx::Error` or `rusqlite::Error`), a type that converts into `actix_web::Error` (a `ResponseError`), or an `anyhow::Error`; the error is logged and the response is an opaque 500",
        note = "implement `std::error::Error` for `{Self}` (with `thiserror`, or by hand: it needs `Debug` and `Display`)"
    )]
    pub trait LoaderError {
        /// Converts the error.
        fn into_actix_error(self) -> actix_web::Error;
    }

    /// Implemented for no real type, so that the error for a missing impl does not suggest
    /// adding one to the trait itself.
    pub enum Unimplemented {}
    #[diagnostic::do_not_recommend]
    impl LoaderError for Unimplemented {
        fn into_actix_error(self) -> actix_web::Error {
            match self {}
        }
    }

    /// A loader's `std::error::Error`; its `Display`, which the log line shows, follows the
    /// `source()` chain (`connection failed: timed out`).
    struct LoaderFailure(Box<dyn StdError + 'static>);

    impl fmt::Debug for LoaderFailure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(&self.0, f)
        }
    }

    impl fmt::Display for LoaderFailure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}", self.0)?;
            let mut source = self.0.source();
            while let Some(cause) = source {
                write!(f, ": {cause}")?;
                source = cause.source();
            }
            Ok(())
        }
    }

    /// The response is `LoginError`'s opaque 500; this one is never sent, and says nothing
    /// either.
    impl ResponseError for LoaderFailure {
        fn error_response(&self) -> HttpResponse {
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The field `#[derive(UserMixin)]` takes the id from.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a user id",
    label = "the user id must implement `Display`: it is what the session stores",
    note = "use `String` or an integer type, or implement `Display` for `{Self}` (and `FromStr`, for the user loader)"
)]
pub trait IdField: Display {}
impl<T: Display + ?Sized> IdField for T {}

/// The field `#[derive(UserMixin)]` takes the id from. Both `get_id` and `has_id` go
/// through this one check, so a field that is not `Display` is reported once.
pub fn id_field<T: IdField>(id: &T) -> &dyn Display {
    id
}

/// Whether `id` displays as exactly `text`, without allocating.
pub fn id_eq(id: &dyn Display, text: &str) -> bool {
    crate::loader::displays_as(id, text)
}

/// The field marked `#[user(active)]`.
#[diagnostic::on_unimplemented(
    message = "`#[user(active)]` marks a `bool` field, not a `{Self}`",
    label = "expected `bool`",
    note = "move `#[user(active)]` to a `bool` field, or implement `is_active` by hand instead of deriving `UserMixin`"
)]
pub trait ActiveField {
    /// Whether the user may log in.
    fn is_active(&self) -> bool;
}
impl ActiveField for bool {
    fn is_active(&self) -> bool {
        *self
    }
}

/// Reads the field marked `#[user(active)]`.
pub fn active_flag<T: ActiveField + ?Sized>(field: &T) -> bool {
    field.is_active()
}

/// The field marked `#[user(auth_hash)]`.
#[diagnostic::on_unimplemented(
    message = "`#[user(auth_hash)]` needs a field that is bytes, and `{Self}` is not",
    label = "`{Self}` does not implement `AsRef<[u8]>`",
    note = "mark a field whose bytes change when the credentials do, like the password hash as a `String` or `Vec<u8>`"
)]
pub trait AuthHashField: AsRef<[u8]> {}
impl<T: AsRef<[u8]> + ?Sized> AuthHashField for T {}

/// The session auth hash from the field marked `#[user(auth_hash)]`.
pub fn auth_hash<T: AuthHashField + ?Sized>(field: &T) -> Option<Vec<u8>> {
    Some(field.as_ref().to_vec())
}

/// A permission a `#[login_required(permission = ..)]` names, checked to be a [`Permission`]
/// (the bound is the compile error, on the user's expression, for one that is not).
///
/// [`Permission`]: crate::Permission
pub fn permission<P: crate::Permission>(permission: P) -> Box<dyn AnyPermission> {
    Box::new(permission)
}

/// Checks, where the macro knows the user type (a `CurrentUser<User>` or `Authenticated<User>`
/// parameter), that it has a permission source and that `permission` is one the guard can find
/// in its set; never called.
pub fn permission_of<U, P>(_: &P)
where
    U: crate::UserPermissions,
    U::Permission: Accepts<P>,
{
}

/// What the guard's run-time check can find in a set of `Self`: a `Self`, and for `String`
/// permissions also a `&'static str` (exactly the cases of `AnyPermission::held_in`).
#[diagnostic::on_unimplemented(
    message = "the user's permissions are `{Self}`, so a `{P}` is never among them",
    label = "a `{P}` where the user's permission type is `{Self}`",
    note = "require a permission of the type the user's permission source returns (a `String` source also takes a `\"name\"`)"
)]
pub trait Accepts<P> {}
impl<P> Accepts<P> for P {}
impl Accepts<&'static str> for String {}

/// The permissions of a field marked `#[user(permissions)]`, as the set the guard checks.
pub fn field_permissions<T: PermissionField + ?Sized>(
    field: &T,
) -> std::collections::HashSet<T::Permission> {
    field.permission_iter().cloned().collect()
}

/// Whether the field marked `#[user(permissions)]` holds `permission`.
pub fn field_has_permission<T, Q>(field: &T, permission: &Q) -> bool
where
    T: PermissionField + ?Sized,
    T::Permission: std::borrow::Borrow<Q>,
    Q: Eq + ?Sized,
{
    use std::borrow::Borrow;
    field
        .permission_iter()
        .any(|held| held.borrow() == permission)
}

/// Finds a user type's permission source for `#[derive(UserMixin)]`, which cannot tell whether
/// the type implements `UserPermissions` (by hand, elsewhere): the expansion calls
/// `(&&PermissionProbe::<User>::new()).source()` with both traits below in scope, and method
/// resolution takes [`Sourced`] when the bound holds, else [`Unsourced`].
pub struct PermissionProbe<U>(std::marker::PhantomData<fn() -> U>);

impl<U> PermissionProbe<U> {
    /// The probe for `U`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

/// The user type implements `UserPermissions`.
pub trait Sourced<U> {
    /// Its permission source.
    fn source(&self) -> Option<PermissionSource<U>>;
}
impl<U: crate::UserPermissions> Sourced<U> for &PermissionProbe<U> {
    fn source(&self) -> Option<PermissionSource<U>> {
        Some(crate::permission::erased_source::<U>)
    }
}

/// The user type has no permissions.
pub trait Unsourced<U> {
    /// No permission source.
    fn source(&self) -> Option<PermissionSource<U>>;
}
impl<U> Unsourced<U> for PermissionProbe<U> {
    fn source(&self) -> Option<PermissionSource<U>> {
        None
    }
}
