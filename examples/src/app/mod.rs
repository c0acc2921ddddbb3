//! The `app` example: a complete site on an embedded default, every part of login-runtime in
//! use.
//!
//! - **Accounts in SQLite** (rusqlite, SQLite compiled in: no server): migrations on start, a
//!   data file that survives restarts ([`db`]). Registration (`/register`), login with
//!   "Remember me" and a safe `next` (`/login`), argon2id hashes (`login_runtime::password`).
//! - **Roles**: a [`Role`] enum stored in SQLite, carried by the user as
//!   `#[user(permissions)] roles`; `/admin` is `#[login_required(permission = Role::Admin)]`.
//!   The first start creates an admin account ([`Startup::admin`]).
//! - **Fresh logins and Flask-Login's five-minute timeout**: an unused login ends after five
//!   minutes; the remember cookie then restores a non-fresh one, and the fresh-only security
//!   settings (`/account/security`) send it to `/relogin` with "Session timedout, please
//!   re-login".
//! - **Sessions that end**: a password change (`/account/password`) ends every other session
//!   of the user through `update_session_auth_hash`; "log out everywhere" ends all of them.
//! - **Forms**: a CSRF token on every form, flash messages, minijinja templates that show
//!   `current_user` (a visitor is the custom anonymous user "Guest").
//! - **Login throttling** (`LoginThrottle`): too many failures for an account or an address is
//!   a `429` page with `Retry-After`.
//! - **Several instances**: with `REDIS_URL`, sessions, logouts and throttle counts live in
//!   Redis ([`Config::redis_url`]).
//!
//! [`AppState::start`] opens everything the [`Config`] names; [`app`] builds the `App`. The
//! `app` example binary serves it, and `tests/app.rs` drives it in-process.

pub mod config;
pub mod db;
mod routes;
pub mod secret;
mod store;
mod templates;
pub mod users;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};
use login_runtime::password::{PasswordError, Passwords};
use login_runtime::redis::{
    FailClosed, RedisConnectError, RedisConnection, RedisRevocations, RedisSessions,
};
use login_runtime::{LoginEvent, LoginManager, LoginThrottle, MemoryRevocations, RememberMe};

pub use self::config::Config;
use self::db::{Db, DbError, UsernameTaken};
use self::secret::{KeySource, SecretError};
use self::store::{Revocations, Sessions};
pub use self::templates::Templates;
pub use self::users::{Guest, Role, User, load_user};

/// The one message for every failed login: it never says which of the two fields was wrong.
pub const LOGIN_FAILED: &str = "Wrong username or password.";
/// What the re-login and password-change forms say to a wrong password.
pub const WRONG_PASSWORD: &str = "That is not your password.";
/// What registration says when the name is in use.
pub const USERNAME_TAKEN: &str = "That username is taken.";
/// What a stale login is told on its way to `/relogin` (Flask-Login's classic wording).
pub const SESSION_TIMED_OUT: &str = "Session timedout, please re-login";
/// What the account page says after a password change.
pub const PASSWORD_CHANGED: &str =
    "Your password is changed. Every other session of your account is logged out.";

/// Everything the app shares between workers. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    db: web::Data<Db>,
    templates: web::Data<Templates>,
    passwords: web::Data<Passwords>,
    /// One throttle for every worker (it is built once, here): each counting on its own would
    /// multiply the allowance by the number of workers.
    throttle: web::Data<LoginThrottle>,
    /// Likewise one revocation store: a logout recorded by one worker is seen by all.
    revocations: Revocations,
    key: Key,
    redis: Option<RedisConnection>,
    cookie_secure: bool,
    idle_timeout: Duration,
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `Key` is a secret: leave it out.
        f.debug_struct("AppState")
            .field("redis", &self.redis.is_some())
            .field("cookie_secure", &self.cookie_secure)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// What [`AppState::start`] did besides building the state; the binary reports it.
#[derive(Debug)]
pub struct Startup {
    /// The state to give [`app`].
    pub state: AppState,
    /// Where the secret key came from.
    pub key_source: KeySource,
    /// The admin account this start created, if it did.
    pub admin: Option<NewAdmin>,
}

/// The admin account a first start created.
#[derive(Debug)]
pub struct NewAdmin {
    /// Its username (`APP_ADMIN_USER`).
    pub username: String,
    /// The password generated for it, to show once; `None` when it came from
    /// `APP_ADMIN_PASSWORD`.
    pub generated_password: Option<String>,
}

impl AppState {
    /// Opens the database (creating and migrating it), loads or creates the secret key, creates
    /// the admin account if no account holds the admin role, and connects to Redis when
    /// configured. All but the Redis connection block: call it before the server starts.
    pub async fn start(config: Config) -> Result<Startup, SetupError> {
        let db = Db::open(&config.db_path)?;
        let (key, key_source) = match config.secret_key.clone() {
            Some(key) => (key, KeySource::Env),
            None => secret::load_or_create(data_dir(&config.db_path))?,
        };
        let templates = Templates::new()?;
        let redis = match &config.redis_url {
            Some(url) => Some(RedisConnection::connect(url).await?),
            None => None,
        };
        // Last, once nothing else can fail: a generated password must reach the terminal.
        let passwords = Passwords::with_params(config.password_params.clone());
        let admin = seed_admin(&db, &passwords, &config)?;
        let (throttle, revocations) = match &redis {
            Some(redis) => (
                LoginThrottle::redis(redis.clone(), config.throttle.clone()),
                Revocations(Arc::new(RedisRevocations::new(redis.clone()))),
            ),
            None => (
                LoginThrottle::new(config.throttle.clone()),
                Revocations(Arc::new(MemoryRevocations::default())),
            ),
        };
        let state = Self {
            db: web::Data::new(db),
            templates: web::Data::new(templates),
            passwords: web::Data::new(passwords),
            throttle: web::Data::new(throttle),
            revocations,
            key,
            redis,
            cookie_secure: config.cookie_secure,
            idle_timeout: config.idle_timeout,
            trusted_proxies: config.trusted_proxies,
        };
        Ok(Startup {
            state,
            key_source,
            admin,
        })
    }
}

/// The directory of the database file: the key file goes beside it.
fn data_dir(db_path: &Path) -> &Path {
    db_path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// Creates the admin account when no account holds the admin role: named `APP_ADMIN_USER`,
/// with `APP_ADMIN_PASSWORD` or a generated password (returned, to be shown once). Never a
/// password written in the code.
fn seed_admin(
    db: &Db,
    passwords: &Passwords,
    config: &Config,
) -> Result<Option<NewAdmin>, SetupError> {
    let has_admin = || db.blocking(|conn| db::role_exists(conn, Role::Admin));
    if has_admin()? {
        if config.admin_password.is_some() {
            tracing::info!("APP_ADMIN_PASSWORD is ignored: an admin account exists already");
        }
        return Ok(None);
    }
    let username = config.admin_username.trim();
    if let Some(problem) = users::username_problem(username) {
        return Err(SetupError::Admin(format!("APP_ADMIN_USER: {problem}")));
    }
    let (password, generated) = match &config.admin_password {
        Some(password) => {
            if let Some(problem) = users::password_problem(username, password) {
                return Err(SetupError::Admin(format!("APP_ADMIN_PASSWORD: {problem}")));
            }
            (password.clone(), None)
        }
        None => {
            // 96 random bits as 24 hex digits: easy to copy, infeasible to guess.
            let random = Key::try_generate().ok_or(SecretError::NoRandomness)?;
            let password = secret::hex(&random.master()[..12]);
            (password.clone(), Some(password))
        }
    };
    let hash = passwords.hash_blocking(&password)?;
    let created = db.blocking(|conn| db::create_user(conn, username, &hash, &[Role::Admin]))?;
    match created {
        Ok(_) => Ok(Some(NewAdmin {
            username: username.to_owned(),
            generated_password: generated,
        })),
        // Another instance starting at the same moment made it.
        Err(UsernameTaken) if has_admin()? => Ok(None),
        Err(UsernameTaken) => Err(SetupError::Admin(format!(
            "no account holds the admin role, and the username {username:?} is taken by a \
             plain account; set APP_ADMIN_USER to another name"
        ))),
    }
}

/// Why the app could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// The database could not be opened or migrated.
    Db(DbError),
    /// The secret key could not be read or made.
    Secret(SecretError),
    /// Hashing the admin password failed.
    Hash(PasswordError),
    /// A template does not compile.
    Template(minijinja::Error),
    /// `REDIS_URL` is not a Redis that answers.
    Redis(RedisConnectError),
    /// The admin account cannot be created as configured.
    Admin(String),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Db(err) => write!(f, "{err}"),
            Self::Secret(err) => write!(f, "{err}"),
            Self::Hash(err) => write!(f, "cannot hash the admin password: {err}"),
            Self::Template(err) => write!(f, "cannot compile the templates: {err:#}"),
            Self::Redis(err) => write!(f, "REDIS_URL: {err}"),
            Self::Admin(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for SetupError {}

macro_rules! setup_error_from {
    ($($variant:ident($error:ty)),* $(,)?) => {$(
        impl From<$error> for SetupError {
            fn from(err: $error) -> Self {
                Self::$variant(err)
            }
        }
    )*};
}

setup_error_from!(
    Db(DbError),
    Secret(SecretError),
    Hash(PasswordError),
    Template(minijinja::Error),
    Redis(RedisConnectError),
);

/// The app: middleware and routes.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let manager = LoginManager::<User>::new()
        .login_view("/login")
        // Flask-Login's "Session timed out" recipe: unused for five minutes, the session's
        // login ends; the remember cookie brings back a non-fresh one, which fresh-only pages
        // send to `/relogin` with the message. The login view keeps the library's "Please log
        // in to access this page.": it also greets visitors who never logged in, for whom
        // "timed out" would be wrong.
        .idle_timeout(state.idle_timeout)
        .refresh_view("/relogin")
        .needs_refresh_message(SESSION_TIMED_OUT)
        // Behind plain HTTP (the default on localhost) browsers drop `Secure` cookies; with
        // `APP_COOKIE_SECURE=true` both cookies are HTTPS-only.
        .remember_me(RememberMe::new(&state.key).secure(state.cookie_secure))
        .secret_key(&state.key)
        .trusted_proxies(state.trusted_proxies.iter().copied())
        .forbidden_handler(routes::forbidden)
        // With `REDIS_URL`, in Redis: a logout on one instance is final on all of them.
        .revocation_store(state.revocations)
        .on_event(|_, event| {
            let user = event.user().map(|user| user.id);
            if let LoginEvent::Accessed(_) = event {
                // One per request that looks at the user: detail, not news.
                tracing::debug!(event = event.name(), user, "login event");
            } else {
                tracing::info!(event = event.name(), user, "login event");
            }
        });
    let sessions = match &state.redis {
        Some(redis) => Sessions::Redis(RedisSessions::new(redis.clone())),
        None => Sessions::Cookie(CookieSessionStore::default()),
    };
    let session = SessionMiddleware::builder(sessions, state.key.clone())
        // `HttpOnly` and `SameSite=Lax` stay (the defaults); `Secure` as configured.
        .cookie_secure(state.cookie_secure)
        .build();
    App::new()
        .app_data(state.db)
        .app_data(state.templates)
        .app_data(state.passwords)
        .app_data(state.throttle)
        .configure(routes::configure)
        .wrap(manager)
        // The last `.wrap` runs first: the session is loaded before the login manager asks.
        .wrap(session)
        // Outermost: a Redis outage is a `503`, not actix-session's opaque `500`. With the
        // cookie store it never fires.
        .wrap(FailClosed::default())
}
