//! The `basic` demo: Flask-Login's quickstart on actix-web.
//!
//! - `GET /` greets the logged-in user (`Hi Notch`) or offers a login link.
//! - `GET /login` shows the login form; `POST /login` checks the username and password against
//!   argon2id hashes and, on success, redirects (303) to a safe `next` or to `/`.
//! - `GET /settings` is `#[login_required]`: visitors are sent to `/login?next=%2Fsettings`.
//! - `POST /logout` logs out (a `GET` does not).
//! - Both forms carry the session's CSRF token in a hidden `csrf_token` field, and both `POST`
//!   handlers refuse a post without it (403), so another site cannot log a visitor in to its
//!   own account (login CSRF) or log a user out.
//! - "Remember me" on the form sets a remember-me cookie that outlives the session cookie.
//!
//! [`app`] builds the whole `App`; the `basic` example binary serves it and the integration test
//! `tests/basic.rs` drives it in-process.

pub(crate) mod templates;
mod users;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, get, post, web};
use login_runtime::{
    Authenticated, CurrentUser, LoginManager, LoginOptions, RememberMe, csrf_token,
    get_flashed_messages, login_required, login_user_with, logout_user, safe_next, verify_csrf,
};
use minijinja::context;
use serde::Deserialize;

pub use self::templates::{Templates, UserView};
pub use self::users::{DEMO_USERS, DemoUser, User, UserStore, load_user};

/// Where the demo binary listens.
pub const ADDRESS: &str = "127.0.0.1:8080";

/// The one message for every failed login: it never says which of the two fields was wrong.
pub const LOGIN_FAILED: &str = "Wrong username or password.";
/// What the login form says when the password was right but the account is disabled.
pub const ACCOUNT_DISABLED: &str = "This account is disabled.";

/// Everything the app shares between workers. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    users: web::Data<UserStore>,
    templates: web::Data<Templates>,
    key: Key,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `Key` is a secret: leave it out.
        f.debug_struct("AppState")
            .field("users", &self.users)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The demo users (their passwords hashed now, with fresh salts), the templates, and `key`,
    /// which signs and encrypts the session cookie.
    pub fn new(key: Key) -> Result<Self, SetupError> {
        Ok(Self {
            users: web::Data::new(UserStore::demo()?),
            templates: web::Data::new(Templates::new()?),
            key,
        })
    }
}

/// Why the app could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// Hashing a demo password failed.
    Hash(login_runtime::password::PasswordError),
    /// A template does not compile.
    Template(minijinja::Error),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Hash(err) => write!(f, "cannot hash the demo passwords: {err}"),
            Self::Template(err) => write!(f, "cannot compile the templates: {err:#}"),
        }
    }
}

impl std::error::Error for SetupError {}

impl From<login_runtime::password::PasswordError> for SetupError {
    fn from(err: login_runtime::password::PasswordError) -> Self {
        Self::Hash(err)
    }
}

impl From<minijinja::Error> for SetupError {
    fn from(err: minijinja::Error) -> Self {
        Self::Template(err)
    }
}

/// The demo app, middleware and routes.
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
        // "Remember me": a login that outlives the browser session. Plain HTTP on localhost,
        // so not `Secure`; remove `.secure(false)` behind TLS.
        .remember_me(RememberMe::new(&state.key).secure(false))
        .secret_key(&state.key)
        .on_event(|_, event| tracing::info!(event = event.name(), "login event"));
    let session = SessionMiddleware::builder(CookieSessionStore::default(), state.key)
        // The demo serves plain HTTP on 127.0.0.1, where some browsers drop `Secure` cookies.
        // Behind TLS, delete this line: `Secure` is actix-session's default. The cookie stays
        // `HttpOnly` and `SameSite=Lax` (the defaults): scripts cannot read it and other sites'
        // posts do not carry it. The forms' CSRF tokens cover what that leaves open: a forged
        // login post, which needs no session cookie.
        .cookie_secure(false)
        .build();
    App::new()
        .app_data(state.users)
        .app_data(state.templates)
        .wrap(manager)
        // The last `.wrap` runs first: the session is loaded before the login manager asks.
        .wrap(session)
        .service(index)
        .service(login_form)
        .service(login)
        .service(settings)
        .service(logout)
}

/// `next` as it arrives in the query string of `/login`.
#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The login form's fields.
#[derive(Deserialize)]
struct LoginForm {
    /// The session's CSRF token, from a hidden field. Absent is empty, so a post without it is
    /// refused by the check (403) rather than by the form parser (400).
    #[serde(default)]
    csrf_token: String,
    username: String,
    password: String,
    /// Carried through the form as a hidden field.
    next: Option<String>,
    /// The "Remember me" checkbox: present (as `on`) only when ticked.
    remember: Option<String>,
}

/// The logout form: a button and the CSRF token.
#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// The CSRF token for the page's logout button, which only a logged-in user sees. A visitor's
/// page gets none, so merely looking at `/` sets no cookie.
fn logout_token(req: &HttpRequest, user: &CurrentUser<User>) -> actix_web::Result<Option<String>> {
    user.is_authenticated().then(|| csrf_token(req)).transpose()
}

/// A `303 See Other` to `location`: after a POST, the browser follows it with a GET.
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[get("/")]
async fn index(
    req: HttpRequest,
    user: CurrentUser<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    Ok(templates.page(
        StatusCode::OK,
        "index.html",
        context! {
            current_user => UserView::current(&user),
            csrf_token => logout_token(&req, &user)?,
        },
    ))
}

#[get("/login")]
async fn login_form(
    req: HttpRequest,
    user: CurrentUser<User>,
    query: web::Query<NextQuery>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    // `next` is echoed into the form as it came (auto-escaped) and checked only when used.
    // The flashed messages include the library's "Please log in to access this page."
    Ok(templates.page(
        StatusCode::OK,
        "login.html",
        context! {
            current_user => UserView::current(&user),
            csrf_token => csrf_token(&req)?,
            messages => get_flashed_messages(&req),
            next => query.next.as_deref().unwrap_or_default(),
            username => "",
            error => "",
        },
    ))
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    user: CurrentUser<User>,
    query: web::Query<NextQuery>,
    form: web::Form<LoginForm>,
    store: web::Data<UserStore>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let LoginForm {
        csrf_token: submitted_token,
        username,
        password,
        next,
        remember,
    } = form.into_inner();
    // First, before any password hashing: only a form this session was served may log in.
    verify_csrf(&req, &submitted_token)?;
    let next = next
        .filter(|next| !next.is_empty())
        .or_else(|| query.into_inner().next);

    // One argon2 verification, known username or not, on actix's blocking thread pool: it
    // takes tens of milliseconds of CPU, which would stall the async worker.
    let found = store.check_credentials(&username, &password).await?;

    let mut error = LOGIN_FAILED;
    if let Some(found) = found {
        let options = LoginOptions::default().remember(remember.is_some());
        if login_user_with(&req, &found, options)?.is_logged_in() {
            let target = next
                .and_then(|next| safe_next(&req, &next))
                .unwrap_or_else(|| "/".to_owned());
            return Ok(see_other(&target));
        }
        // The password was right, but the account is disabled (`is_active()` is false).
        error = ACCOUNT_DISABLED;
    }
    Ok(templates.page(
        StatusCode::OK,
        "login.html",
        context! {
            current_user => UserView::current(&user),
            csrf_token => csrf_token(&req)?,
            messages => get_flashed_messages(&req),
            next => next.unwrap_or_default(),
            username => username,
            error => error,
        },
    ))
}

#[get("/settings")]
#[login_required]
async fn settings(
    req: HttpRequest,
    user: Authenticated<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    Ok(templates.page(
        StatusCode::OK,
        "settings.html",
        context! {
            current_user => UserView::user(&user),
            csrf_token => csrf_token(&req)?,
        },
    ))
}

#[post("/logout")]
async fn logout(req: HttpRequest, form: web::Form<LogoutForm>) -> actix_web::Result<HttpResponse> {
    verify_csrf(&req, &form.csrf_token)?;
    logout_user(&req).await?;
    Ok(see_other("/"))
}
