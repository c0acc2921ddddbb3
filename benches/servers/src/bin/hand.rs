//! `hand`: actix-session's `CookieSessionStore` and a hand-written `CurrentUser` extractor —
//! what an app writes without a login library. The extractor reads `user_id` from the session
//! and looks the user up in a `HashMap`; absent, it answers 302 to the login page with `next`.

use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::header;
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, HttpServer, get, post, web};
use login_runtime_bench_servers::{LoginForm, actix_session, address, login_url, user_table};

#[derive(Clone)]
struct User {
    name: String,
}

type Users = HashMap<u64, User>;

/// The logged-in user; a 302 to the login page otherwise.
struct CurrentUser(User);

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = req
            .get_session()
            .get::<u64>("user_id")
            .ok()
            .flatten()
            .and_then(|id| req.app_data::<web::Data<Users>>()?.get(&id).cloned());
        ready(user.map(CurrentUser).ok_or_else(|| {
            let redirect = HttpResponse::Found()
                .insert_header((header::LOCATION, login_url(req.path())))
                .finish();
            InternalError::from_response("login required", redirect).into()
        }))
    }
}

#[post("/login")]
async fn login(
    session: Session,
    form: web::Form<LoginForm>,
    users: web::Data<Users>,
) -> actix_web::Result<HttpResponse> {
    let Some(id) = form.check().filter(|id| users.contains_key(id)) else {
        return Ok(HttpResponse::Unauthorized().body("wrong user name or password"));
    };
    // A new session id at login (against session fixation), as the libraries do.
    session.renew();
    session.insert("user_id", id)?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, "/protected"))
        .finish())
}

#[get("/login")]
async fn login_form() -> &'static str {
    "log in"
}

#[get("/protected")]
async fn protected(user: CurrentUser) -> String {
    format!("hello {}", user.0.name)
}

#[get("/logout")]
async fn logout(session: Session) -> HttpResponse {
    session.purge();
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
