//! Login throttling: failed logins counted per account and per client address, answered with
//! `429 Too Many Requests` and `Retry-After` once a [`ThrottlePolicy`] says so
//! (docs/behaviour.md T1–T11).
//!
//! # Why not `governor`
//!
//! `governor` (0.10) is the well-kept crate for keyed rate limits, and it was the first choice.
//! It does not fit, for four reasons:
//!
//! - **It limits a rate, not failures.** Its GCRA meters every cell checked at one constant
//!   rate: after the burst, one attempt per period, for ever. It cannot make the wait grow with
//!   each failure (exponential backoff), nor switch to a lockout after N failures; at best two
//!   limiters stacked approximate two steps of it.
//! - **A success cannot reset an account.** `RateLimiter` has no call that forgets or lowers
//!   one key's state (`check_key` and `check_key_n` only consume); a custom `StateStore` shared
//!   behind the limiter's back could, but that is the hand-written store again.
//! - **No taking back.** A cell `check_key` consumed stays consumed, so the address count
//!   cannot drop the attempt whose password was right.
//! - **Its keyed store is unbounded.** `DashMapStateStore` and `HashMapStateStore` keep one
//!   entry per key ever checked until the app calls `retain_recent`, which drops only keys whose
//!   state has fully recovered: a flood of made-up account names grows the map without a cap,
//!   and nothing bounds it while the flood lasts.
//!
//! It would also bring about eight crates new to this tree (dashmap, quanta, portable-atomic,
//! spinning_top, nonzero_ext, web-time, futures-timer, a second hashbrown) for what is a map
//! and two numbers per key, and the Redis store needs its own script anyway. So this module
//! keeps a small store of its own: a failure count and the time of the last one per key,
//! bounded in entries ([`MemoryThrottle`]), with the same rules in one Lua script for Redis
//! (`RedisThrottle`, feature `redis`).
//!
//! # How an attempt is counted
//!
//! [`LoginThrottle::attempt`] counts the attempt as a failure the moment it lets it through,
//! before the password is checked: parallel attempts cannot all pass a check made before any
//! of them failed. [`LoginAttempt::succeeded`] then takes it back (and clears the account's
//! count); an attempt dropped without a verdict stays a failure.

mod memory;
mod policy;
mod refusal;
mod store;

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;

pub use self::memory::MemoryThrottle;
#[cfg(feature = "test-kit")]
pub use self::memory::TestClock;
pub use self::policy::{ThrottleLimit, ThrottlePolicy};

pub use self::refusal::{ThrottleError, ThrottleScope, Throttled};
#[cfg(feature = "redis")]
pub(crate) use self::store::StoreFailure;
use self::store::account_name;
pub(crate) use self::store::{Count, Key, Store, Verdict};
use crate::untyped_state::untyped_state;

/// Where a [`LoginThrottle`] keeps its counts: [`MemoryThrottle`] (one instance), or
/// `login_runtime::redis::RedisThrottle` (feature `redis`, several instances). Sealed: the
/// store and the policy's rules change together.
pub trait ThrottleStore: Store {}

/// Counts failed logins and refuses attempts the [`ThrottlePolicy`] says must wait. Cheap to
/// clone; make **one** and share it (as `web::Data`, or a clone per worker), or every worker
/// counts on its own.
///
/// In the login handler, ask before checking the password, and say how it went:
///
/// ```
/// use actix_web::{App, HttpRequest, HttpResponse, post, web};
/// use login_runtime::{LoginManager, LoginThrottle, ThrottlePolicy, UserMixin, login_user, user_loader};
/// # #[derive(Clone, UserMixin)] struct User { id: u64 }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { Some(User { id }) }
/// # fn check_password(name: &str, password: &str) -> Option<User> {
/// #     (name == "notch" && password == "minecraft").then_some(User { id: 1 })
/// # }
///
/// #[derive(serde::Deserialize)]
/// struct Credentials { username: String, password: String }
///
/// #[post("/login")]
/// async fn login(
///     req: HttpRequest,
///     form: web::Form<Credentials>,
///     throttle: web::Data<LoginThrottle>,
/// ) -> actix_web::Result<HttpResponse> {
///     // Too many failures for this account or this address: `429` with `Retry-After`.
///     let attempt = throttle.attempt(&req, &form.username).await?;
///     match check_password(&form.username, &form.password) {
///         Some(user) => {
///             attempt.succeeded().await?;
///             if !login_user(&req, &user)?.is_logged_in() {
///                 return Ok(HttpResponse::Forbidden().body("This account is disabled."));
///             }
///             Ok(HttpResponse::SeeOther().insert_header(("Location", "/")).finish())
///         }
///         None => {
///             attempt.failed();
///             Ok(HttpResponse::Unauthorized().body("Wrong username or password."))
///         }
///     }
/// }
///
/// # #[actix_web::main] async fn main() {
/// // Outside `HttpServer::new`'s closure, so that every worker shares it.
/// let throttle = web::Data::new(LoginThrottle::new(ThrottlePolicy::default()));
/// let app = App::new()
///     .app_data(throttle.clone())
///     .wrap(LoginManager::<User>::new())
///     .wrap(actix_session::SessionMiddleware::new(
///         actix_session::storage::CookieSessionStore::default(),
///         actix_web::cookie::Key::generate(),
///     ))
///     .service(login);
/// # let app = actix_web::test::init_service(app).await;
/// # let form = |password| actix_web::test::TestRequest::post().uri("/login")
/// #     .peer_addr("203.0.113.7:4711".parse().unwrap())
/// #     .set_form([("username", "notch"), ("password", password)]).to_request();
/// # for _ in 0..5 {
/// #     assert_eq!(actix_web::test::call_service(&app, form("diamond")).await.status(), 401);
/// # }
/// # assert_eq!(actix_web::test::call_service(&app, form("diamond")).await.status(), 401);
/// # let res = actix_web::test::call_service(&app, form("minecraft")).await;
/// # assert_eq!(res.status(), 429);
/// # assert_eq!(res.headers().get("retry-after").unwrap(), "1");
/// # }
/// ```
///
/// The client address is the one `LoginManager` sees for session protection: forwarding
/// headers count only from its [`trusted_proxies`](crate::LoginManager::trusted_proxies), so a
/// client behind them cannot pick its own. A route without a `LoginManager` answers `500`.
#[derive(Clone)]
pub struct LoginThrottle {
    inner: Arc<Inner>,
}

struct Inner {
    policy: ThrottlePolicy,
    store: Box<dyn Store>,
}

impl fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl LoginThrottle {
    /// A throttle keeping its counts in this process ([`MemoryThrottle::new`]).
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self::with_store(policy, MemoryThrottle::new())
    }

    /// A throttle keeping its counts in `store`.
    pub fn with_store(policy: ThrottlePolicy, store: impl ThrottleStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                policy,
                store: Box::new(store),
            }),
        }
    }

    /// The policy it enforces.
    pub fn policy(&self) -> &ThrottlePolicy {
        &self.inner.policy
    }

    /// Asks whether a login to `username` may be tried now, from this request's client.
    ///
    /// Let through, the attempt is counted as a failure of the account and of the address at
    /// once; report the outcome on the returned [`LoginAttempt`]. Refused, nothing is counted,
    /// `LoginEvent::Throttled` goes to the manager's listener, and the error answers `429`
    /// with `Retry-After`. A store that fails or does not answer in time is a `503`.
    ///
    /// `username` is what the visitor typed, known account or not: both count alike, so the
    /// throttle does not tell which names exist. It is trimmed, lowercased in ASCII and cut
    /// to 256 bytes, then hashed.
    pub async fn attempt(
        &self,
        req: &HttpRequest,
        username: &str,
    ) -> Result<LoginAttempt, ThrottleError> {
        let state = untyped_state(req, "`LoginThrottle::attempt` on")
            .map_err(ThrottleError::misconfigured)?;
        let client = state.throttle_client(req);
        let account = account_name(username);
        let attempt = LoginAttempt {
            throttle: self.clone(),
            account: Key::account(&account),
            address: client.address.as_ref().map(Key::address),
        };
        let counts = attempt.counts();
        if counts.is_empty() {
            return Ok(attempt); // both limits off
        }
        match self.inner.store.attempt(&counts).await {
            Ok(Verdict::Allowed) => Ok(attempt),
            Ok(Verdict::Refused {
                wait_ms,
                index,
                failures,
            }) => {
                let scope = counts
                    .get(index)
                    .map_or(ThrottleScope::Account, |count| count.key.scope);
                let throttled = Throttled {
                    retry_after: std::time::Duration::from_millis(wait_ms),
                    scope,
                    failures,
                    account,
                };
                (client.report)(req, &throttled);
                Err(ThrottleError::throttled_by(throttled))
            }
            Err(cause) => Err(ThrottleError::unavailable(cause)),
        }
    }
}

/// A login attempt [`LoginThrottle::attempt`] let through, already counted as a failure.
/// Say how it went: [`succeeded`](Self::succeeded) takes the failure back; dropping it, or
/// [`failed`](Self::failed), leaves it counted.
#[must_use = "say how the login went: `succeeded().await?` or `failed()`"]
pub struct LoginAttempt {
    throttle: LoginThrottle,
    account: Key,
    address: Option<Key>,
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt").finish_non_exhaustive()
    }
}

impl LoginAttempt {
    /// The password was right: the account's count is cleared, and the address's loses this
    /// attempt but keeps its other failures (one right password does not vouch for everyone
    /// behind the address).
    ///
    /// An error means the store could not record it (`503` with `?`). Logging in anyway is
    /// safe: the attempt then stays counted as a failure, nothing more.
    pub async fn succeeded(self) -> Result<(), ThrottleError> {
        let (clear, take_back) = (self.account_count(), self.address_count());
        if clear.is_none() && take_back.is_none() {
            return Ok(());
        }
        self.throttle
            .inner
            .store
            .succeeded(clear, take_back)
            .await
            .map_err(ThrottleError::unavailable)
    }

    /// The password was wrong (or the account unknown, or refused for another reason): the
    /// failure stays counted. Dropping the attempt does the same; this says so in the code.
    pub fn failed(self) {}

    /// The counts this attempt is checked against, account first.
    fn counts(&self) -> Vec<Count<'_>> {
        self.account_count()
            .into_iter()
            .chain(self.address_count())
            .collect()
    }

    fn account_count(&self) -> Option<Count<'_>> {
        let limit = self.throttle.inner.policy.account.as_ref()?;
        Some(Count {
            key: self.account,
            limit,
        })
    }

    /// `None` also when the request has no client address (no peer: a Unix socket, a test
    /// request without one): then only the account counts.
    fn address_count(&self) -> Option<Count<'_>> {
        let limit = self.throttle.inner.policy.address.as_ref()?;
        Some(Count {
            key: self.address?,
            limit,
        })
    }
}
