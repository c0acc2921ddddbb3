//! Several app instances on one Redis (feature `redis`): shared sessions, shared revocations,
//! and a Redis outage that costs `503`s for as long as it lasts, never a hung app.
//!
//! - [`RedisConnection`]: one multiplexed connection that every store below shares. Every
//!   command has a bounded wait ([`RedisConnectionBuilder::timeout`], default one second), and a
//!   connection that Redis closed (a restart, a failover) is replaced in the background, so
//!   requests work again as soon as Redis answers, with no app restart.
//! - [`RedisSessions`]: actix-session's [`SessionStore`](actix_session::storage::SessionStore)
//!   on that connection. Use it instead of actix-session's `RedisSessionStore`, which waits
//!   without bound for an answer and can stay stuck after a Redis restart
//!   (`docs/store-faults.md`).
//! - [`RedisRevocations`]: the [`RevocationStore`](crate::RevocationStore) that makes a logout
//!   on one instance final on all of them.
//! - [`RedisThrottle`]: the [`ThrottleStore`](crate::ThrottleStore) that counts failed logins
//!   across every instance, so spreading attempts over them multiplies no allowance.
//! - [`FailClosed`]: wrapped outside actix-session's `SessionMiddleware`, it answers a session
//!   store that failed or did not answer in time with `503 Service Unavailable` and
//!   `Retry-After: 1`, where actix-session alone answers an opaque `500`.
//! - [`Bounded`]: the same bounded wait around any other session store.
//!
//! ```no_run
//! use actix_session::SessionMiddleware;
//! use actix_web::{App, HttpServer, cookie::Key};
//! use login_runtime::LoginManager;
//! use login_runtime::redis::{FailClosed, RedisConnection, RedisRevocations, RedisSessions};
//! # use login_runtime::{UserMixin, user_loader};
//! # #[derive(Clone, UserMixin)] struct User { id: u64 }
//! # #[user_loader] async fn load(id: u64) -> Option<User> { Some(User { id }) }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let key = Key::generate(); // load the same fixed 64-byte key on every instance
//!     // One connection for both stores; every command waits at most one second.
//!     let redis = RedisConnection::connect("redis://127.0.0.1:6379")
//!         .await
//!         .map_err(std::io::Error::other)?;
//!     HttpServer::new(move || {
//!         App::new()
//!             .wrap(LoginManager::<User>::new().revocation_store(RedisRevocations::new(redis.clone())))
//!             .wrap(SessionMiddleware::new(RedisSessions::new(redis.clone()), key.clone()))
//!             // Outermost: a session store outage is a 503, not actix-session's opaque 500.
//!             .wrap(FailClosed::default())
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```
//!
//! # What a Redis outage means
//!
//! While Redis does not answer (stopped, paused, unreachable, restarting), every request that
//! needs it waits at most the bound of each store call it makes and is answered `503`: a
//! request with a session cookie (its session cannot be loaded), a request that restores a
//! login (its revocation cannot be checked), a login (it cannot be saved) and a logout (its
//! revocation cannot be recorded; the logout reports failure and changes nothing). Requests
//! that touch no session are served as usual. Nobody is logged out by an outage that keeps
//! Redis's data (a pause, a network cut); a restart that loses the data ends every session, as
//! it would without this library, but the revocations lost with it only matter for copies of
//! cookies taken before a logout (see [`RedisRevocations`]). A login attempt is refused with
//! `503` too: its throttle count cannot be checked ([`RedisThrottle`]), and an attempt is never
//! let through uncounted. A restart that loses the data forgets the counts, as if every
//! failure had been forgotten at once.

mod connection;
mod fail_closed;
mod revocations;
mod sessions;
mod throttle;

pub use connection::{RedisConnectError, RedisConnection, RedisConnectionBuilder};
pub use fail_closed::{FailClosed, FailClosedMiddleware};
pub use revocations::RedisRevocations;
pub use sessions::{Bounded, RedisSessions};
pub use throttle::RedisThrottle;
