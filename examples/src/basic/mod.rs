//! The `basic` demo: Flask-Login's quickstart on actix-web.
//!
//! - `GET /` greets the logged-in user (`Hi Notch`) or offers a login link.
//! - `GET /login` shows the login form; `POST /login` checks the username and password against
//!   argon2id hashes and, on success, redirects (303) to a safe `next` or to `/`.
//! - `GET /settings` is `#[login_required]`: visitors are sent to `/login?next=%2Fsettings`.
//! - `POST /logout` logs out (a `GET` does not).
//! - "Remember me" on the form sets a remember-me cookie that outlives the session cookie.
//!
//! [`app`] builds the whole `App`; the `basic` example binary serves it and the integration test
//! `tests/basic.rs` drives it in-process.

mod templates;
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
    Authenticated, CurrentUser, LoginManager, LoginOptions, RememberMe, get_flashed_messages,
    login_required, login_user_with, logout_user, safe_next,
};
use minijinja::context;
use serde::Deserialize;

pub use self::templates::{Templates, UserView};
pub use self::users::{DEMO_USERS, DemoUser, User, UserStore, load_user};

/// Where the demo binary listens.
pub const ADDRESS: &str = "127.0.0.1:8080";

/// The one message for every failed login: it never says which of the two fields was wrong.
pub const LOGIN_FAILED: &str = "Wrong username or password.";

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
    Hash(argon2::password_hash::Error),
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

impl From<argon2::password_hash::Error> for SetupError {
    fn from(err: argon2::password_hash::Error) -> Self {
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
        // `HttpOnly` and `SameSite=Lax` (the defaults), which is what keeps other sites from
        // posting to `/logout` or reading the session.
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
    username: String,
    password: String,
    /// Carried through the form as a hidden field.
    next: Option<String>,
    /// The "Remember me" checkbox: present (as `on`) only when ticked.
    remember: Option<String>,
}

/// A `303 See Other` to `location`: after a POST, the browser follows it with a GET.
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[get("/")]
async fn index(user: CurrentUser<User>, templates: web::Data<Templates>) -> HttpResponse {
    templates.page(
        StatusCode::OK,
        "index.html",
        context! { current_user => UserView::current(&user) },
    )
}

#[get("/login")]
async fn login_form(
    req: HttpRequest,
    user: CurrentUser<User>,
    query: web::Query<NextQuery>,
    templates: web::Data<Templates>,
) -> HttpResponse {
    // `next` is echoed into the form as it came (auto-escaped) and checked only when used.
    // The flashed messages include the library's "Please log in to access this page."
    templates.page(
        StatusCode::OK,
        "login.html",
        context! {
            current_user => UserView::current(&user),
            messages => get_flashed_messages(&req),
            next => query.next.as_deref().unwrap_or_default(),
            username => "",
            error => "",
        },
    )
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
        username,
        password,
        next,
        remember,
    } = form.into_inner();
    let next = next
        .filter(|next| !next.is_empty())
        .or_else(|| query.into_inner().next);

    // Argon2 takes tens of milliseconds of CPU: keep it off the async worker.
    let checked_username = username.clone();
    let found = web::block(move || store.check_credentials(&checked_username, &password)).await?;

    if let Some(found) = found {
        // `Ok(false)` would mean an inactive user; none of the demo users is.
        let options = LoginOptions::default().remember(remember.is_some());
        if login_user_with(&req, &found, options)? {
            let target = next
                .and_then(|next| safe_next(&req, &next))
                .unwrap_or_else(|| "/".to_owned());
            return Ok(see_other(&target));
        }
    }
    Ok(templates.page(
        StatusCode::OK,
        "login.html",
        context! {
            current_user => UserView::current(&user),
            messages => get_flashed_messages(&req),
            next => next.unwrap_or_default(),
            username => username,
            error => LOGIN_FAILED,
        },
    ))
}

#[get("/settings")]
#[login_required]
async fn settings(user: Authenticated<User>, templates: web::Data<Templates>) -> HttpResponse {
    templates.page(
        StatusCode::OK,
        "settings.html",
        context! { current_user => UserView::user(&user) },
    )
}

#[post("/logout")]
async fn logout(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    logout_user(&req)?;
    Ok(see_other("/"))
}
