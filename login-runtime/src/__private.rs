//! What macro expansions need. Not public API: it changes without notice.

pub use crate::extract::LoginRequired;
pub use crate::loader::parse_canonical_id;
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
    note = "other extractors work too: `HttpRequest`, `web::Header<_>`, or your own `FromRequest` type"
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
pub trait IdParam: crate::UserId {}
// One error naming this trait, rather than one per missing supertrait of `UserId`.
#[diagnostic::do_not_recommend]
impl<T: crate::UserId> IdParam for T {}

/// Parses the session's id for a `#[user_loader]`; see [`parse_canonical_id`].
pub fn parse_id<T: IdParam>(raw: &str) -> Option<T> {
    parse_canonical_id(raw)
}

/// The `E` of a loader returning `Result<Option<User>, E>`.
#[diagnostic::on_unimplemented(
    message = "a loader's error type must convert into `actix_web::Error`, and `{Self}` does not",
    label = "`{Self}` does not implement `Into<actix_web::Error>`",
    note = "implement `actix_web::ResponseError` for `{Self}`, or return `Result<Option<User>, actix_web::Error>` and convert with `.map_err(actix_web::error::ErrorInternalServerError)`; the response body stays opaque either way"
)]
pub trait LoaderError: Into<actix_web::Error> {}
// The bound reported must be this trait's, not `actix_web::Error: From<E>` deep inside.
#[diagnostic::do_not_recommend]
impl<E: Into<actix_web::Error>> LoaderError for E {}

/// Converts what a loader returning `Result<Option<User>, E>` returned.
pub fn loader_result<U, E: LoaderError>(
    result: Result<Option<U>, E>,
) -> Result<Option<U>, actix_web::Error> {
    result.map_err(Into::into)
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
