//! `identity`: actix-identity on actix-session's `CookieSessionStore`. `Identity::login` stores
//! the user id (actix-identity renews the session id); `GET /protected` takes
//! `Option<Identity>`, looks the user up in a `HashMap` and answers 302 with `next` when absent;
//! `Identity::logout` purges the session. `IdentityMiddleware::default()`: no visit or login
//! deadline, so a logged-in request writes nothing back.

use std::collections::HashMap;

use actix_identity::{Identity, IdentityMiddleware};
use actix_web::http::header;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, get, post, web};
use login_runtime_bench_servers::{LoginForm, actix_session, address, login_url, user_table};

#[derive(Clone)]
struct User {
    name: String,
}

type Users = HashMap<u64, User>;

#[post("/login")]
async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let Some(id) = form.check().filter(|id| users.contains_key(id)) else {
        return Ok(HttpResponse::Unauthorized().body("wrong user name or password"));
    };
    Identity::login(&req.extensions(), id.to_string())?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, "/protected"))
        .finish())
}

#[get("/login")]
async fn login_form() -> &'static str {
    "log in"
}

#[get("/protected")]
async fn protected(
    req: HttpRequest,
    identity: Option<Identity>,
    users: web::Data<Users>,
) -> HttpResponse {
    let user = identity
        .and_then(|identity| identity.id().ok())
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| users.get(&id).cloned());
    match user {
        Some(user) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("hello {}", user.name)),
        None => HttpResponse::Found()
            .insert_header((header::LOCATION, login_url(req.path())))
            .finish(),
    }
}

#[get("/logout")]
async fn logout(identity: Option<Identity>) -> HttpResponse {
    if let Some(identity) = identity {
        identity.logout();
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let users = web::Data::new(user_table(|_, name| User { name }));
    HttpServer::new(move || {
        App::new()
            .app_data(users.clone())
            // The last `.wrap` runs first: the session is loaded before the identity is read.
            .wrap(IdentityMiddleware::default())
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
