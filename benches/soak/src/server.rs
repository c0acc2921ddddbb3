//! The app under load: one HTTP contract, served by login-runtime on several session stores,
//! or by actix-session alone (`--app bare`, the upstream reproduction).
//!
//! - `GET /login/{n}`: logs in user `n`; answers `user{n}`.
//! - `GET /me`: login required; answers `hello user{n}`, or `401` for a visitor.
//! - `GET /logout`: logs out; answers `bye`.

use std::sync::Arc;
use std::time::Duration;

use actix_session::storage::{CookieSessionStore, SessionStore};
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::middleware::Condition;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, web};
use login_runtime::{
    CurrentUser, LoginManager, LoginRef, MemoryRevocations, RevocationStore, StoreFuture,
    UserMixin, login_required, login_user, user_loader,
};

/// A load-test user: `user{id}`.
#[derive(Debug, Clone, UserMixin)]
pub struct User {
    id: u64,
}

/// Every id from 1 to 100,000 is a user.
#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (1..=100_000).contains(&id).then_some(User { id })
}

#[get("/login/{id}")]
async fn login(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<HttpResponse> {
    let id = id.into_inner();
    if !login_user(&req, &User { id })?.is_logged_in() {
        return Ok(HttpResponse::Forbidden().finish());
    }
    Ok(HttpResponse::Ok().body(format!("user{id}")))
}

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> String {
    format!("hello user{}", user.user().map_or(0, |user| user.id))
}

#[get("/logout")]
async fn logout(req: HttpRequest) -> actix_web::Result<&'static str> {
    login_runtime::logout_user(&req).await?;
    Ok("bye")
}

/// The same contract on actix-session alone, for the upstream bug report.
mod bare {
    use super::{HttpResponse, Session, get, web};

    #[get("/login/{id}")]
    async fn login(session: Session, id: web::Path<u64>) -> actix_web::Result<String> {
        session.renew();
        session.insert("user", *id)?;
        Ok(format!("user{id}"))
    }

    #[get("/me")]
    async fn me(session: Session) -> actix_web::Result<HttpResponse> {
        Ok(match session.get::<u64>("user")? {
            Some(id) => HttpResponse::Ok().body(format!("hello user{id}")),
            None => HttpResponse::Unauthorized().finish(),
        })
    }

    #[get("/logout")]
    async fn logout(session: Session) -> &'static str {
        session.purge();
        "bye"
    }

    pub(super) fn routes(cfg: &mut web::ServiceConfig) {
        cfg.service(login).service(me).service(logout);
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login).service(me).service(logout);
}

/// What `soak server` serves.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub store: String,
    pub app: String,
    pub port: u16,
    pub workers: usize,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub redis_url: String,
    pub timeout: Duration,
    /// `memory`, `redis`, or `default` (Redis with the `redis` store, memory otherwise).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub revocations: String,
}

fn key() -> Key {
    Key::from(&[42u8; 64])
}

/// A revocation store every worker shares.
struct Shared<R>(Arc<R>);

impl<R> Clone for Shared<R> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<R: RevocationStore> RevocationStore for Shared<R> {
    fn revoke_login<'a>(&'a self, entry: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()> {
        self.0.revoke_login(entry, until)
    }

    fn revoke_user<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        self.0.revoke_user(namespace, user_id, before, until)
    }

    fn is_revoked<'a>(&'a self, entry: LoginRef<'a>) -> StoreFuture<'a, bool> {
        self.0.is_revoked(entry)
    }
}

/// No revocation store of our own: the manager's default, shared by the process's workers.
const DEFAULT_REVOCATIONS: Option<Shared<MemoryRevocations>> = None;

/// Serves the app on the store `make_store` makes (one per worker), until killed.
async fn run_server<S, R>(
    options: &ServerOptions,
    make_store: impl Fn() -> S + Clone + Send + 'static,
    revocations: Option<R>,
    fail_closed: bool,
) -> std::io::Result<()>
where
    S: SessionStore + 'static,
    R: RevocationStore + Clone,
{
    let timeout = options.timeout;
    let bare = options.app == "bare";
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(make_store(), key())
            .cookie_secure(false)
            .cookie_name("id".to_owned())
            .build();
        let mut manager = LoginManager::<User>::new().store_timeout(timeout);
        if let Some(revocations) = revocations.clone() {
            manager = manager.revocation_store(revocations);
        }
        App::new()
            .wrap(Condition::new(!bare, manager))
            .wrap(sessions)
            .wrap(Condition::new(fail_closed, self::fail_closed()))
            .configure(if bare { bare::routes } else { routes })
    })
    .workers(options.workers)
    .bind(("127.0.0.1", options.port))?;
    server.run().await
}

#[cfg(feature = "redis")]
fn fail_closed() -> login_runtime::redis::FailClosed {
    login_runtime::redis::FailClosed::default()
}

/// Without the feature there is no session store that can fail: a middleware that does
/// nothing (never enabled; it only gives `Condition` a type).
#[cfg(not(feature = "redis"))]
fn fail_closed() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
}

/// Serves until killed.
pub async fn serve(options: ServerOptions) -> std::io::Result<()> {
    match options.store.as_str() {
        "cookie" => {
            run_server(
                &options,
                CookieSessionStore::default,
                DEFAULT_REVOCATIONS,
                false,
            )
            .await
        }
        #[cfg(feature = "redis")]
        other => redis_stores::serve(&options, other).await,
        #[cfg(not(feature = "redis"))]
        other => Err(std::io::Error::other(format!(
            "unknown store `{other}` (the Redis stores need `--features redis`)"
        ))),
    }
}

#[cfg(feature = "redis")]
mod redis_stores {
    use super::*;
    use actix_session::storage::RedisSessionStore;
    use login_runtime::redis::{Bounded, RedisConnection, RedisRevocations, RedisSessions};

    pub(super) async fn serve(options: &ServerOptions, store: &str) -> std::io::Result<()> {
        let redis = RedisConnection::builder(options.redis_url.as_str())
            .timeout(options.timeout)
            .connect()
            .await
            .map_err(std::io::Error::other)?;
        let shared = match options.revocations.as_str() {
            "redis" => true,
            "memory" => false,
            _ => store == "redis",
        };
        let revocations = shared.then(|| RedisRevocations::new(redis.clone()));
        match store {
            // The recommended construction (README, docs/store-faults.md).
            "redis" => {
                let store = RedisSessions::new(redis);
                run_server(options, move || store.clone(), revocations, true).await
            }
            // actix-session's store as its docs construct it: the reproduction of issue 13.
            "redis-stock" => {
                let store = RedisSessionStore::new(options.redis_url.as_str())
                    .await
                    .map_err(std::io::Error::other)?;
                run_server(options, move || store.clone(), revocations, false).await
            }
            // The same store with a bound on each call: bounded, but does it recover?
            "redis-stock-bounded" => {
                let store = RedisSessionStore::new(options.redis_url.as_str())
                    .await
                    .map_err(std::io::Error::other)?;
                let store = Bounded::new(store, options.timeout);
                run_server(options, move || store.clone(), revocations, true).await
            }
            #[cfg(feature = "deadpool")]
            "redis-pool" => {
                let store = RedisSessionStore::new_pooled(pool(options)?)
                    .await
                    .map_err(std::io::Error::other)?;
                let store = Bounded::new(store, options.timeout);
                run_server(options, move || store.clone(), revocations, true).await
            }
            other => Err(std::io::Error::other(format!(
                "unknown store `{other}`: cookie, redis, redis-stock, redis-stock-bounded, \
                 redis-pool (feature deadpool)"
            ))),
        }
    }

    /// deadpool-redis with every wait bounded: the alternative the issue suggested.
    #[cfg(feature = "deadpool")]
    fn pool(options: &ServerOptions) -> std::io::Result<deadpool_redis::Pool> {
        use deadpool_redis::{Config, PoolConfig, Runtime, Timeouts};
        let mut config = Config::from_url(options.redis_url.as_str());
        let mut pool = PoolConfig::new(16);
        pool.timeouts = Timeouts {
            wait: Some(options.timeout),
            create: Some(options.timeout),
            recycle: Some(options.timeout),
        };
        config.pool = Some(pool);
        config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(std::io::Error::other)
    }
}
