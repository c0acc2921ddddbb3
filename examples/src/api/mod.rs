//! The `api` example: a JSON API on the [`app`](crate::app) example's accounts, authenticated by
//! bearer tokens through `#[request_loader]`.
//!
//! - **Same database, same users**: it opens the app's SQLite file with the app's [`Db`] (the
//!   app's migrations, `api_tokens` among them), loads the app's [`User`] with its roles, and
//!   guards `/api/admin/users` with the same `#[login_required(permission = Role::Admin)]` as
//!   the app's `/admin`. The admin account the app creates can use the API at once.
//! - **Tokens** ([`token`], [`store`]): 32 random bytes, shown once as `lr_<64 hex digits>`,
//!   stored as their SHA-256; [`store::from_bearer`] is the `#[request_loader]` that finds the
//!   user of the request's one `Authorization: Bearer` header. A first token comes from
//!   `POST /api/login` (username and password, throttled); more from `POST /api/tokens`;
//!   `DELETE /api/tokens/{id}` revokes one.
//! - **JSON always** ([`errors`]): `401 {"error":"login required"}` with a `WWW-Authenticate:
//!   Bearer` challenge, `403 {"error":"permission required"}`, and every other error as JSON,
//!   whatever the client's `Accept`.
//! - **No sessions** ([`sessions`]): the manager has no login view, no remember cookie and a
//!   session store that keeps nothing, so no cookie ever logs a request in (no CSRF) and no
//!   response sets one.
//!
//! [`ApiState::start`] opens the database; [`api`] builds the `App`. The `api` example binary
//! serves it, and `tests/api.rs` drives it in-process.

pub mod config;
pub mod errors;
mod routes;
pub mod sessions;
pub mod store;
pub mod token;

use std::net::IpAddr;

use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, web};
use login_runtime::password::Passwords;
use login_runtime::{LoginEvent, LoginManager, LoginThrottle, SessionProtection};

pub use self::config::ApiConfig;
use crate::app::db::{self, Db, DbError};
use crate::app::secret::SecretError;
use crate::app::{Role, SetupError, User};

/// The largest JSON body a route reads: credentials and a token name need far less.
const JSON_LIMIT: usize = 16 * 1024;

/// Everything the API shares between workers. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    db: web::Data<Db>,
    passwords: web::Data<Passwords>,
    /// One throttle for every worker, as in the app.
    throttle: web::Data<LoginThrottle>,
    /// The session middleware's key: generated per start, never used to sign anything (see
    /// [`sessions`]).
    session_key: Key,
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

impl ApiState {
    /// Opens (creating and migrating it if need be) the app's database. Blocking: call it
    /// before the server starts.
    pub fn start(config: &ApiConfig) -> Result<Self, SetupError> {
        let db = Db::open(&config.db_path)?;
        let session_key = Key::try_generate().ok_or(SecretError::NoRandomness)?;
        Ok(Self {
            db: web::Data::new(db),
            passwords: web::Data::new(Passwords::with_params(config.password_params.clone())),
            throttle: web::Data::new(LoginThrottle::new(config.throttle.clone())),
            session_key,
            trusted_proxies: config.trusted_proxies.clone(),
        })
    }

    /// Whether an account holds the admin role (else the app has not been started on this
    /// database yet, and `/api/login` has no one to log in).
    pub fn admin_exists(&self) -> Result<bool, DbError> {
        self.db.blocking(|conn| db::role_exists(conn, Role::Admin))
    }
}

/// The API: middleware and routes.
pub fn api(
    state: ApiState,
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
        // Users come from the bearer token only (`store::from_bearer`).
        .request_loader()
        // No login view: a request without a token is refused with 401, never redirected.
        .unauthorized_handler(errors::unauthorized)
        .forbidden_handler(errors::forbidden)
        // There are no session logins to protect, and none of their fingerprints to key.
        .session_protection(SessionProtection::Off)
        // The throttle reads the client address as the manager does.
        .trusted_proxies(state.trusted_proxies.iter().copied())
        .on_event(|_, event| {
            let user = event.user().map(|user| user.id);
            match event {
                // One per authenticated request: detail, not news.
                LoginEvent::Accessed(_) | LoginEvent::LoadedFromRequest(_) => {
                    tracing::debug!(event = event.name(), user, "login event");
                }
                _ => tracing::info!(event = event.name(), user, "login event"),
            }
        });
    let session = SessionMiddleware::builder(sessions::NoSessions, state.session_key)
        .cookie_name("api-no-session".to_owned())
        .build();
    let json = web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(errors::bad_json);
    App::new()
        .app_data(state.db)
        .app_data(state.passwords)
        .app_data(state.throttle)
        .app_data(json)
        .configure(routes::configure)
        .wrap(manager)
        // The last `.wrap` runs first: the (empty) session is in place before the manager.
        .wrap(session)
        // Every answer is about the token's user, and the one that makes a token holds it:
        // no cache keeps any (RFC 6749 5.1 for the token). The library's `Vary: Cookie` says
        // nothing here, since the answer depends on `Authorization`, not on a cookie.
        .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
        // Outermost: whatever answers with an error, the client reads JSON.
        .wrap(ErrorHandlers::new().default_handler(errors::json_errors))
}
