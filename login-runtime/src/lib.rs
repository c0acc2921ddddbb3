//! Flask-Login for actix-web.
//!
//! Derive [`UserMixin`] on your user type, mark one async fn [`#[user_loader]`](user_loader),
//! wrap the app in [`LoginManager`] (inside actix-session's `SessionMiddleware`), and put
//! [`#[login_required]`](login_required) on the handlers that need a login.
//!
//! ```
//! use actix_session::{SessionMiddleware, storage::CookieSessionStore};
//! use actix_web::{App, HttpRequest, HttpResponse, cookie::Key, get, post, web};
//! use login_runtime::{CurrentUser, LoginManager, UserMixin, login_required, login_user, logout_user, user_loader};
//!
//! #[derive(Clone, UserMixin)]
//! struct User {
//!     id: u64,
//!     name: String,
//! }
//!
//! // Called with the id the session stores; `None` means "no such user" (anonymous).
//! #[user_loader]
//! async fn load_user(id: u64, users: web::Data<Vec<User>>) -> Option<User> {
//!     users.iter().find(|user| user.id == id).cloned()
//! }
//!
//! #[get("/")]
//! async fn index(user: CurrentUser<User>) -> String {
//!     match user.user() {
//!         Some(user) => format!("Hi {}", user.name),
//!         None => "Hi stranger".to_owned(),
//!     }
//! }
//!
//! #[post("/login")]
//! async fn login(req: HttpRequest, users: web::Data<Vec<User>>) -> actix_web::Result<HttpResponse> {
//!     // ... check the credentials first ...
//!     if !login_user(&req, &users[0])?.is_logged_in() {
//!         return Ok(HttpResponse::Forbidden().body("This account is disabled."));
//!     }
//!     Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
//! }
//!
//! #[get("/settings")]
//! #[login_required] // anonymous: 302 to /login?next=%2Fsettings
//! async fn settings(user: CurrentUser<User>) -> String {
//!     format!("settings of user {:?}", user.get_id())
//! }
//!
//! #[post("/logout")]
//! async fn logout(req: HttpRequest) -> actix_web::Result<HttpResponse> {
//!     logout_user(&req).await?;
//!     Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
//! }
//!
//! # #[actix_web::main] async fn main() {
//! let users = web::Data::new(vec![User { id: 1, name: "Notch".into() }]);
//! let key = Key::generate(); // load a fixed 64-byte key in production
//! let app = App::new()
//!     .app_data(users)
//!     .wrap(LoginManager::<User>::new().login_view("/login"))
//!     // The last `.wrap` runs first: the session must be loaded before the login manager.
//!     .wrap(SessionMiddleware::new(CookieSessionStore::default(), key))
//!     .service(index)
//!     .service(login)
//!     .service(settings)
//!     .service(logout);
//! # let app = actix_web::test::init_service(app).await;
//! # let res = actix_web::test::call_service(&app, actix_web::test::TestRequest::get().uri("/settings").to_request()).await;
//! # assert_eq!(res.status(), 302);
//! # }
//! ```
//!
//! The rest of the tutorial follows below.
#![doc = include_str!("tutorial.md")]
// docs.rs (`[package.metadata.docs.rs]`): label feature-gated items with their feature.
// `doc_auto_cfg` was folded into `doc_cfg`, which now does it by itself.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's quickstart is compiled as a doctest, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

// Lets the macros' absolute `::login_runtime::` paths resolve inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as login_runtime;

mod auth_hash;
mod config;
mod csrf;
mod error;
mod events;
mod extract;
mod flash;
mod future;
mod loader;
mod login;
mod login_record;
mod manager;
mod middleware;
mod next;
#[cfg(feature = "argon2")]
pub mod password;
mod permission;
mod protection;
mod random;
#[cfg(feature = "redis")]
pub mod redis;
mod remember;
mod request_state;
mod require;
mod revocation;
#[cfg(feature = "test-kit")]
mod testkit;
mod throttle;
mod unauthorized;
mod untyped_state;
mod user;

/// The test kit (feature `test-kit`): log a user in from an `actix_web::test` request.
#[cfg(feature = "test-kit")]
pub mod test {
    pub use crate::testkit::TestLogin;
    pub use crate::throttle::TestClock;
}

pub use crate::csrf::{CsrfError, csrf_token, verify_csrf};
pub use crate::error::LoginError;
pub use crate::events::LoginEvent;
pub use crate::extract::{Authenticated, CurrentUser};
// Not API (the macros name `__private::LoginRequired`): this path is the one rustc prints when
// a guarded handler's extractor is missing something, instead of the `__private` one.
#[doc(hidden)]
pub use crate::extract::LoginRequired;
pub use crate::flash::{Flash, flash, get_flashed_messages};
pub use crate::loader::{RequestLoader, UserLoader};
pub use crate::login::{
    LoginOptions, LoginOutcome, confirm_login, login_fresh, login_remembered, login_user,
    login_user_with, logout_everywhere, logout_user, take_next, update_session_auth_hash,
};
pub use crate::manager::LoginManager;
pub use crate::middleware::LoginMiddleware;
pub use crate::next::{login_url, make_next_param, safe_next, safe_next_with};
pub use crate::permission::{HasPermissions, Permission, Permissions, UserPermissions};
pub use crate::protection::{ForwardedHeader, SessionProtection};
pub use crate::remember::RememberMe;
pub use crate::require::{RequireLogin, RequireLoginMiddleware};
pub use crate::revocation::{
    LoginRef, MemoryRevocations, RevocationStore, StoreError, StoreFuture,
};
pub use crate::throttle::{
    LoginAttempt, LoginThrottle, MemoryThrottle, ThrottleError, ThrottleLimit, ThrottlePolicy,
    ThrottleScope, ThrottleStore, Throttled,
};
pub use crate::user::{AnonymousUser, AnonymousUserMixin, UserMixin};

#[cfg(feature = "macros")]
#[doc(inline)]
pub use login_macros::{UserMixin, login_required, request_loader, user_loader};

/// What macro expansions need. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private;
