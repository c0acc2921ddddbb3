//! The fixture app: one route per library feature, so tests observe behaviour through HTTP.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, error, get, post, web};
use login_runtime::{
    CurrentUser, LoginManager, LoginOptions, RememberMe, UserMixin, confirm_login,
    get_flashed_messages, login_fresh, login_remembered, login_required, login_user,
    login_user_with, logout_user, request_loader, take_next, user_loader,
};
use serde::Deserialize;

/// A fixture user.
#[derive(Debug, Clone, UserMixin)]
pub struct User {
    /// The user id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Inactive users cannot log in.
    #[user(active)]
    pub active: bool,
}

/// The user store behind the loader, with knobs tests turn.
#[derive(Debug)]
pub struct Store {
    users: Mutex<Vec<User>>,
    loads: AtomicUsize,
    failing: AtomicBool,
}

impl Default for Store {
    fn default() -> Self {
        let user = |id, name: &str, active| User {
            id,
            name: name.to_owned(),
            active,
        };
        Self {
            users: Mutex::new(vec![
                user(1, "Notch", true),
                user(2, "Steve", true),
                user(3, "Creeper", false),
            ]),
            loads: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
        }
    }
}

impl Store {
    /// How many times the loader ran.
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }

    /// Makes the loader fail like a database that is down.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Deletes a user.
    pub fn delete(&self, id: u64) {
        self.lock().retain(|user| user.id != id);
    }

    /// Marks a user active or inactive.
    pub fn set_active(&self, id: u64, active: bool) {
        for user in self.lock().iter_mut().filter(|user| user.id == id) {
            user.active = active;
        }
    }

    fn by_name(&self, name: &str) -> Option<User> {
        let name = name.to_lowercase();
        self.lock()
            .iter()
            .find(|user| user.name.to_lowercase() == name)
            .cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<User>> {
        // A poisoned lock only means another test thread panicked; the data is still usable.
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The loader under test: counts its calls and fails on demand.
#[user_loader]
pub async fn load_user(id: u64, store: web::Data<Store>) -> Result<Option<User>, error::Error> {
    store.loads.fetch_add(1, Ordering::SeqCst);
    if store.failing.load(Ordering::SeqCst) {
        return Err(error::ErrorServiceUnavailable("the user database is down"));
    }
    Ok(store.lock().iter().find(|user| user.id == id).cloned())
}

/// The request loader: `Authorization: Bearer token-<id>` authenticates user `<id>`; anything
/// else (no header, another scheme, a malformed or duplicated header) is no user.
#[request_loader]
pub async fn from_token(req: HttpRequest, store: web::Data<Store>) -> Option<User> {
    let mut headers = req.headers().get_all("authorization");
    let (Some(header), None) = (headers.next(), headers.next()) else {
        return None;
    };
    let id = header
        .to_str()
        .ok()?
        .strip_prefix("Bearer token-")?
        .parse::<u64>()
        .ok()?;
    store.lock().iter().find(|user| user.id == id).cloned()
}

/// The remember-me configuration the tests use (not `Secure`: the test client speaks HTTP).
pub fn remember_me() -> RememberMe {
    RememberMe::new(&key()).secure(false)
}

fn name_of(user: &CurrentUser<User>) -> String {
    user.user()
        .map_or_else(|| "Anonymous".to_owned(), |user| user.name.clone())
}

/// `/username`: the current user's name, or "Anonymous".
#[get("/username")]
async fn username(user: CurrentUser<User>) -> String {
    name_of(&user)
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    force: bool,
    #[serde(default = "yes")]
    fresh: bool,
    #[serde(default)]
    remember: bool,
    /// Remember-cookie duration in seconds.
    duration: Option<u64>,
}

fn yes() -> bool {
    true
}

/// `/login/{name}?force=&fresh=`: `login_user_with`; answers "<returned> <user seen after>".
#[get("/login/{name}")]
async fn login(
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<LoginQuery>,
    store: web::Data<Store>,
) -> actix_web::Result<String> {
    let Some(user) = store.by_name(&name) else {
        return Err(error::ErrorNotFound("no such fixture user"));
    };
    let mut options = LoginOptions::default()
        .force(query.force)
        .fresh(query.fresh)
        .remember(query.remember);
    if let Some(seconds) = query.duration {
        options = options.duration(std::time::Duration::from_secs(seconds));
    }
    let logged_in = if options != LoginOptions::default() {
        login_user_with(&req, &user, options)?.is_logged_in()
    } else {
        login_user(&req, &user)?.is_logged_in()
    };
    let now = CurrentUser::<User>::extract(&req).await?;
    Ok(format!("{logged_in} {}", name_of(&now)))
}

/// `/logout`: `logout_user`; answers with the user seen afterwards in the same request.
#[get("/logout")]
async fn logout(req: HttpRequest) -> actix_web::Result<String> {
    logout_user(&req).await?;
    let now = CurrentUser::<User>::extract(&req).await?;
    Ok(name_of(&now))
}

/// `/fresh`: `login_fresh`.
#[get("/fresh")]
async fn fresh(req: HttpRequest, _user: CurrentUser<User>) -> String {
    login_fresh(&req).await.to_string()
}

/// `/confirm`: `confirm_login`, then whether the login is fresh.
#[get("/confirm")]
async fn confirm(req: HttpRequest) -> actix_web::Result<String> {
    confirm_login(&req).await?;
    Ok(login_fresh(&req).await.to_string())
}

/// `/remembered`: `login_remembered`.
#[get("/remembered")]
async fn remembered(req: HttpRequest, _user: CurrentUser<User>) -> String {
    login_remembered(&req).await.to_string()
}

/// `/flashes`: the flashed messages, as `category:message` lines.
#[get("/flashes")]
async fn flashes(req: HttpRequest) -> String {
    get_flashed_messages(&req)
        .into_iter()
        .map(|flash| format!("{}:{}\n", flash.category, flash.message))
        .collect()
}

/// `/next`: what `next_in_session` kept (through `take_next`).
#[get("/next")]
async fn next(req: HttpRequest) -> String {
    take_next(&req).unwrap_or_else(|| "none".to_owned())
}

/// `/secret`: `#[login_required]` below the route attribute.
#[get("/secret")]
#[login_required]
async fn secret(user: CurrentUser<User>) -> String {
    format!("secret for {}", name_of(&user))
}

/// `/secret-above`: `#[login_required]` above the route attribute.
#[login_required]
#[get("/secret-above")]
async fn secret_above() -> &'static str {
    "secret above"
}

/// `/very-secret`: `#[login_required(fresh)]`.
#[get("/very-secret")]
#[login_required(fresh)]
async fn very_secret() -> &'static str {
    "very secret"
}

/// A JSON body for `/echo`.
#[derive(Deserialize)]
struct Note {
    text: String,
}

/// `/echo`: a guarded handler with a body extractor.
#[post("/echo")]
#[login_required]
async fn echo(note: web::Json<Note>) -> String {
    note.into_inner().text
}

/// `/static`: never asks for the user.
#[get("/static")]
async fn static_page() -> &'static str {
    "static"
}

/// `/visit`: writes non-login data to the session, as a CSRF token or flash message would.
#[get("/visit")]
async fn visit(session: Session) -> actix_web::Result<&'static str> {
    session.insert("visited", true)?;
    Ok("visited")
}

/// `/plant`: writes a raw value under the library's session key, as a tampered or
/// out-of-date session would hold.
#[post("/plant")]
async fn plant(
    session: Session,
    value: web::Json<serde_json::Value>,
) -> actix_web::Result<&'static str> {
    session.insert("_login", value.into_inner())?;
    Ok("planted")
}

/// Registers every fixture route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(username)
        .service(login)
        .service(logout)
        .service(fresh)
        .service(secret)
        .service(secret_above)
        .service(very_secret)
        .service(echo)
        .service(static_page)
        .service(confirm)
        .service(remembered)
        .service(flashes)
        .service(next)
        .service(visit)
        .service(plant)
        .route("/options-secret", web::route().to(options_secret));
}

/// `/options-secret` (any method): guarded, to check the exempt methods.
#[login_required]
async fn options_secret(req: HttpRequest) -> impl Responder {
    HttpResponse::Ok().body(format!("{} passed", req.method()))
}

/// A fixed 64-byte key, so cookies are reproducible across a test.
pub fn key() -> Key {
    Key::from(&[7u8; 64])
}

/// actix-session's cookie store, as most apps use it.
pub fn session_middleware() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key())
        .cookie_secure(false)
        .build()
}

/// The fixture app with `manager`, the cookie store and `store`.
pub fn app_with(
    manager: LoginManager<User>,
    store: web::Data<Store>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    app_on(manager, store, session_middleware())
}

/// The fixture app with `manager`, `store` and this session middleware (another store).
pub fn app_on<S: actix_session::storage::SessionStore + 'static>(
    manager: LoginManager<User>,
    store: web::Data<Store>,
    sessions: SessionMiddleware<S>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(store)
        .wrap(manager)
        .wrap(sessions)
        .configure(routes)
}

/// The fixture app with a default manager (no login view) and a fresh store.
pub fn default_app() -> (
    actix_web::App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    web::Data<Store>,
) {
    let store = web::Data::new(Store::default());
    (app_with(LoginManager::new(), store.clone()), store)
}
