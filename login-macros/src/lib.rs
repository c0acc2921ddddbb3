//! Procedural macros for [login-runtime](https://docs.rs/login-runtime).
//!
//! Use them through `login_runtime`, which re-exports each with its documentation; the
//! generated code refers to `::login_runtime` paths (override with `crate = "path"`).

// One module per macro; `loader` holds the expansion `user_loader` and `request_loader` share.
// Each reads top to bottom in the same stages, and a stage's name means the same thing in every
// module:
// `expand` runs them all and always emits something usable;
// `parse_args` reads the macro's own arguments (for the derive, the struct's `#[user(..)]`);
// `parse_item` turns the tokens into the syn item, or gives the input back with the error that
//   says where the attribute goes (a derive's input is always an item: it has none);
// `parse` lifts the syn item into a small borrowed model (`#[login_required]` rewrites the fn
//   itself: it has none);
// `validate` reports what is wrong; `generate` emits the code, or `stub` beside an error.
mod derive_user;
mod loader;
mod login_required;
mod request_loader;
mod user_loader;

// What the macros share.
mod args;
mod crate_path;
mod errors;
mod suggest;
mod tokens;

use proc_macro::TokenStream;

/// Requires a logged-in user for an actix-web handler (Flask's `@login_required`).
///
/// An anonymous request gets the unauthorized response of the [`LoginManager`]: `302` to its
/// login view with `?next=<path and query>`, or `401` without one. The check runs before any
/// other extractor of the handler, so a body extractor never reads an anonymous request's body.
/// Methods in `LoginManager::exempt_methods` (default `OPTIONS`) pass unchecked.
///
/// Works above or below `#[get(..)]`, `#[post(..)]` and `#[routes]`, on free fns and on
/// associated fns (`web::to(Pages::settings)`), with generics and where-clauses; doc comments
/// and other attributes stay on the handler, and a parameter keeps its own (`#[cfg(..)]`, lint
/// levels). It needs no user type.
///
/// ```
/// use actix_web::{get, web};
/// use login_runtime::login_required;
///
/// #[get("/settings")]
/// #[login_required]
/// async fn settings(form: web::Query<Vec<(String, String)>>) -> &'static str {
///     "only for logged-in users"
/// }
///
/// #[login_required(fresh)] // also requires a fresh login (Flask's `@fresh_login_required`)
/// async fn change_password() -> &'static str {
///     "only right after a password login"
/// }
/// ```
///
/// Arguments: `fresh`; `crate = "path"` when login-runtime is renamed in `Cargo.toml`.
///
/// The attribute moves the handler's parameters into one guard extractor, so the fn's Rust
/// signature changes: register it as a route, do not call it. Like any actix-web handler it
/// takes at most 16 extractors; group more in a tuple. Guarding a whole `web::scope` is
/// `RequireLogin`'s job.
///
/// The handler must be an `async fn`:
///
/// ```compile_fail
/// #[login_runtime::login_required] // error: `#[login_required]` needs an `async fn` handler
/// fn settings() -> &'static str {
///     "only for logged-in users"
/// }
/// ```
///
/// [`LoginManager`]: https://docs.rs/login-runtime/latest/login_runtime/struct.LoginManager.html
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, input: TokenStream) -> TokenStream {
    login_required::expand(args.into(), input.into()).into()
}

/// Marks the async fn that loads a user from the id stored in the session.
///
/// The first parameter is the id: any type implementing `FromStr` and `Display`, accepted only
/// in its canonical form (`"01"` is not user `1`); an id that does not parse means "no user".
/// Every further parameter is an actix extractor (`web::Data<_>`, `HttpRequest`, ...). It
/// returns `Option<User>`, or `Result<Option<User>, E>` where `E` is what your database
/// returns: any `std::error::Error + 'static` (`sqlx::Error`, `rusqlite::Error`, ...), an
/// `actix_web::Error` or other `ResponseError`, or an `anyhow::Error`. An `Err` answers 500
/// with an opaque body, keeps the session, and is logged with its sources. The macro implements
/// `UserLoader` for `User`; the fn stays callable as written.
///
/// ```
/// use actix_web::web;
/// use login_runtime::{UserMixin, user_loader};
///
/// #[derive(Clone, UserMixin)]
/// struct User { id: u64 }
///
/// #[user_loader]
/// async fn load_user(id: u64, users: web::Data<Vec<User>>) -> Option<User> {
///     users.iter().find(|user| user.id == id).cloned()
/// }
/// ```
///
/// One loader per user type: a second one for the same type is a compile error. Argument:
/// `crate = "path"` when login-runtime is renamed in `Cargo.toml`.
///
/// A loader runs on the async worker that serves the request, so a blocking database call
/// (rusqlite, diesel, a synchronous r2d2 pool) would stall every request on that worker. Run it
/// on actix's blocking thread pool with `web::block`:
///
/// ```
/// use actix_web::web;
/// use login_runtime::{UserMixin, user_loader};
///
/// #[derive(Clone, UserMixin)]
/// struct User { id: u64 }
///
/// /// Your blocking client: an r2d2 pool of rusqlite connections, say.
/// struct Pool;
///
/// impl Pool {
///     fn find_user(&self, id: u64) -> Result<Option<User>, std::io::Error> {
///         Ok(Some(User { id })) // `SELECT .. WHERE id = ?1`
///     }
/// }
///
/// #[user_loader]
/// async fn load_user(
///     id: u64,
///     pool: web::Data<Pool>,
/// ) -> Result<Option<User>, Box<dyn std::error::Error + Send + Sync>> {
///     // The first `?` is the thread pool failing, the second the query.
///     Ok(web::block(move || pool.find_user(id)).await??)
/// }
/// ```
///
/// An async driver (sqlx, tokio-postgres, deadpool) needs no `web::block`: await it directly.
///
/// `None` is how a loader says "no such user", so the return type is an `Option`:
///
/// ```compile_fail
/// # use login_runtime::{UserMixin, user_loader};
/// # #[derive(UserMixin)] struct User { id: u64 }
/// #[user_loader] // error: a user loader returns `Option<User>` or `Result<Option<User>, E>`
/// async fn load_user(id: u64) -> User {
///     User { id }
/// }
/// ```
#[proc_macro_attribute]
pub fn user_loader(args: TokenStream, input: TokenStream) -> TokenStream {
    user_loader::expand(args.into(), input.into()).into()
}

/// Marks the async fn that loads a user from the request alone: an API key, a bearer token.
///
/// Every parameter is an actix extractor (`HttpRequest`, `web::Data<_>`, ...); there is no id.
/// It returns `Option<User>`, or `Result<Option<User>, E>` with any `E` a `#[user_loader]`
/// may fail with (a `std::error::Error`, an actix error, an `anyhow::Error`): an opaque 500.
/// The macro implements `RequestLoader` for `User`; enable it with
/// `LoginManager::request_loader()`, and a request whose session holds no user asks it. Such a
/// user is never written to the session. The fn stays callable as written.
///
/// ```
/// use actix_web::{HttpRequest, web};
/// use login_runtime::{UserMixin, request_loader};
///
/// #[derive(Clone, UserMixin)]
/// struct User { id: u64 }
///
/// struct ApiKeys(Vec<(String, User)>);
///
/// #[request_loader]
/// async fn from_api_key(req: HttpRequest, keys: web::Data<ApiKeys>) -> Option<User> {
///     let key = req.headers().get("x-api-key")?.to_str().ok()?;
///     keys.0.iter().find(|(known, _)| known == key).map(|(_, user)| user.clone())
/// }
/// ```
///
/// One request loader per user type. Argument: `crate = "path"` when login-runtime is renamed
/// in `Cargo.toml`.
#[proc_macro_attribute]
pub fn request_loader(args: TokenStream, input: TokenStream) -> TokenStream {
    request_loader::expand(args.into(), input.into()).into()
}

/// Implements `UserMixin` for a struct.
///
/// - the id: the field marked `#[user(id)]`, else the field named `id` (any `Display` type);
/// - `#[user(active)]` on a `bool` field drives `is_active` (default: always active);
/// - `#[user(auth_hash)]` on a field whose bytes (`AsRef<[u8]>`, e.g. the password hash) feed
///   `session_auth_hash`: change them and the user's other sessions end;
/// - `#[user(anonymous = Guest)]` on the struct picks the anonymous type (default
///   `AnonymousUser`); `#[user(crate = "path")]` when login-runtime is renamed in `Cargo.toml`.
///
/// Generic structs and tuple structs work too.
///
/// ```
/// use login_runtime::UserMixin;
///
/// #[derive(UserMixin)]
/// struct Account {
///     #[user(id)]
///     email: String,
///     #[user(active)]
///     enabled: bool,
///     #[user(auth_hash)]
///     password_hash: String,
/// }
/// ```
///
/// A user type needs an id, which is what the session stores:
///
/// ```compile_fail
/// #[derive(login_runtime::UserMixin)] // error: `User` has no user id
/// struct User {
///     name: String,
/// }
/// ```
#[proc_macro_derive(UserMixin, attributes(user))]
pub fn derive_user_mixin(input: TokenStream) -> TokenStream {
    derive_user::expand(input.into()).into()
}
