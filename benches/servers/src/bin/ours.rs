//! `ours`: login-runtime on actix-session's `CookieSessionStore`, with `#[login_required]`,
//! `Authenticated<User>`, `#[user_loader]`, `login_user` and `logout_user`.
//!
//! By default the manager is `LoginManager::new().login_view("/login").secret_key(&key)`, as
//! shipped: `Basic` session protection (a keyed MAC of client address and `User-Agent` on every
//! request), the login message on every redirect (a marker cookie), the revocation lookup of
//! every restored login. `--equal-work` (or `EQUAL_WORK=1`) adds `.no_login_message()
//! .session_protection(SessionProtection::Off)`: the work the hand-written extractor does.

use std::collections::HashMap;

use actix_web::cookie::Key;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, post, web};
use login_runtime::{
    Authenticated, LoginManager, SessionProtection, UserMixin, login_required, login_user,
    logout_user, user_loader,
};
use login_runtime_bench_servers::{
    LoginForm, SESSION_KEY, actix_session, address, flag, user_table,
};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    name: String,
}

type Users = HashMap<u64, User>;

#[user_loader]
async fn load(id: u64, users: web::Data<Users>) -> Option<User> {
    users.get(&id).cloned()
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let Some(user) = form.check().and_then(|id| users.get(&id)) else {
        return Ok(HttpResponse::Unauthorized().body("wrong user name or password"));
    };
    if !login_user(&req, user)?.is_logged_in() {
        return Ok(HttpResponse::Forbidden().body("this account is disabled"));
    }
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, "/protected"))
        .finish())
}

#[get("/login")]
async fn login_form() -> &'static str {
    "log in"
}

#[get("/protected")]
#[login_required]
async fn protected(user: Authenticated<User>) -> String {
    format!("hello {}", user.name)
}

#[get("/logout")]
async fn logout(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    logout_user(&req).await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, "/"))
        .finish())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let equal_work = flag("equal-work") || std::env::var("EQUAL_WORK").is_ok_and(|v| v == "1");
    let key = Key::from(&SESSION_KEY);
    let mut manager = LoginManager::<User>::new()
        .login_view("/login")
        .secret_key(&key);
    if equal_work {
        manager = manager
            .no_login_message()
            .session_protection(SessionProtection::Off);
    }
    let users = web::Data::new(user_table(|id, name| User { id, name }));
    HttpServer::new(move || {
        App::new()
            .app_data(users.clone())
            .wrap(manager.clone())
            // The last `.wrap` runs first: the session is loaded before the login manager asks.
            .wrap(actix_session())
            .service(login)
            .service(login_form)
            .service(protected)
            .service(logout)
    })
    .workers(1)
    .bind(address()?)?
    .run()
    .await
}
