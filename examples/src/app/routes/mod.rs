//! The routes, by concern: logging in and out and registering ([`auth`]), the user's own
//! account ([`account`]), the admin page ([`admin`]); the home page and what they share here.

mod account;
mod admin;
mod auth;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use login_runtime::{CurrentUser, ThrottleError};
use minijinja::context;
use serde::Deserialize;

use super::templates::{Page, Templates};
use super::users::User;

pub(super) use self::admin::forbidden;

/// Registers every route.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(index)
        .service(auth::login_form)
        .service(auth::login)
        .service(auth::logout)
        .service(auth::register_form)
        .service(auth::register)
        .service(auth::relogin_form)
        .service(auth::relogin)
        .service(account::account)
        .service(account::security)
        .service(account::change_password)
        .service(account::logout_all)
        .service(admin::admin);
}

#[get("/")]
async fn index(
    req: HttpRequest,
    user: CurrentUser<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    templates.render(&req, &user, Page::new("index.html"), context! {})
}

/// `next` as it arrives in a query string.
#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// A form with nothing but its CSRF token (the logout buttons).
#[derive(Deserialize)]
struct TokenForm {
    /// Absent is empty, so a post without it is refused by the check (403) rather than by the
    /// form parser (400). The same in every form of the app.
    #[serde(default)]
    csrf_token: String,
}

/// A `303 See Other` to `location`: after a POST, the browser follows it with a GET.
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The `next` of a form's hidden field, else of the query string; empty is none.
fn pick_next(form: Option<String>, query: web::Query<NextQuery>) -> Option<String> {
    form.filter(|next| !next.is_empty())
        .or_else(|| query.into_inner().next)
}

/// The answer to a login attempt the throttle refused: the `429` page, with `Retry-After` and
/// the wait in words. An unavailable throttle store stays the library's `503`.
fn throttled(
    req: &HttpRequest,
    user: &CurrentUser<User>,
    templates: &Templates,
    err: ThrottleError,
) -> actix_web::Result<HttpResponse> {
    let Some(refusal) = err.throttled() else {
        return Err(err.into());
    };
    let seconds = refusal.retry_after().as_millis().div_ceil(1000).max(1);
    let message = format!(
        "Too many failed logins. Wait {seconds} second{} before you try again.",
        if seconds == 1 { "" } else { "s" }
    );
    let page = Page::new("error.html").status(StatusCode::TOO_MANY_REQUESTS);
    let ctx = context! { title => "Too many attempts", message };
    let mut res = templates.render(req, user, page, ctx)?;
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(res)
}
