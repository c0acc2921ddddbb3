//! The HTML pages: minijinja templates compiled into the binary, auto-escaping on, and the one
//! render path every page goes through, which gives each the same `current_user`, flashed
//! messages and CSRF token (Flask's context processor).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use login_runtime::{CurrentUser, csrf_token, get_flashed_messages};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use serde::Serialize;

use super::users::User;
use crate::basic::templates::render_page;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("login.html", include_str!("templates/login.html")),
    ("register.html", include_str!("templates/register.html")),
    ("relogin.html", include_str!("templates/relogin.html")),
    ("account.html", include_str!("templates/account.html")),
    ("security.html", include_str!("templates/security.html")),
    ("admin.html", include_str!("templates/admin.html")),
    ("error.html", include_str!("templates/error.html")),
];

/// The template environment, built once at startup and shared by all workers.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

/// Which page to render, and how.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    name: &'a str,
    status: StatusCode,
    form: bool,
}

impl<'a> Page<'a> {
    /// The template `name`, answered `200 OK`.
    pub fn new(name: &'a str) -> Self {
        Self {
            name,
            status: StatusCode::OK,
            form: false,
        }
    }

    /// Answered with `status` instead.
    pub fn status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }

    /// The page has a form a visitor may post (login, registration): it gets the session's
    /// CSRF token even for a visitor. A logged-in user's pages always get it, for the logout
    /// button; a visitor's other pages do not, so looking around sets no cookie.
    pub fn with_form(self) -> Self {
        Self { form: true, ..self }
    }
}

impl Templates {
    /// Compiles the templates; fails on a syntax error in one of them.
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        // HTML-escape every `{{ .. }}`, whatever the template's name.
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        // A misspelt variable is an error, not an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Renders `page` for `user`: the template sees `current_user`, `messages` (the flashed
    /// ones, taken out of the session), `csrf_token` (or none), then `ctx`.
    pub fn render(
        &self,
        req: &HttpRequest,
        user: &CurrentUser<User>,
        page: Page<'_>,
        ctx: Value,
    ) -> actix_web::Result<HttpResponse> {
        let token = if page.form || user.is_authenticated() {
            Some(csrf_token(req)?)
        } else {
            None
        };
        let ctx = context! {
            current_user => user,
            messages => get_flashed_messages(req),
            csrf_token => token,
            ..ctx
        };
        Ok(self.html(page.status, page.name, ctx))
    }

    /// An error page that names no user: for answers made outside a handler (the `403` of the
    /// permission guard), where the user is not at hand.
    pub fn error(&self, status: StatusCode, message: &str) -> HttpResponse {
        let title = status.canonical_reason().unwrap_or("Error");
        self.html(status, "error.html", context! { title, message })
    }

    /// Renders `name` into an HTML response with `status` (see [`render_page`]).
    fn html(&self, status: StatusCode, name: &str, ctx: impl Serialize) -> HttpResponse {
        render_page(&self.env, status, name, ctx)
    }
}
