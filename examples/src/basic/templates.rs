//! The HTML pages: minijinja templates compiled into the binary, auto-escaping on.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use login_runtime::CurrentUser;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use super::User;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("login.html", include_str!("templates/login.html")),
    ("settings.html", include_str!("templates/settings.html")),
];

/// The template environment, built once at startup and shared by all workers.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
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

    /// Renders `name` into an HTML response with `status`. A rendering error is logged and
    /// answered with an opaque 500.
    pub fn page(&self, status: StatusCode, name: &str, context: impl Serialize) -> HttpResponse {
        render_page(&self.env, status, name, context)
    }
}

/// Renders `name` from `env` into an HTML response with `status`, never cached (the page
/// depends on who is logged in). A rendering error is logged and answered with an opaque 500.
/// Both example apps render through it.
pub fn render_page(
    env: &Environment<'_>,
    status: StatusCode,
    name: &str,
    context: impl Serialize,
) -> HttpResponse {
    let rendered = env
        .get_template(name)
        .and_then(|template| template.render(context));
    match rendered {
        Ok(html) => HttpResponse::build(status)
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ))
            // The page depends on who is logged in: no shared or back-button copies.
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .body(html),
        Err(err) => {
            tracing::error!("rendering template {name}: {err:#}");
            HttpResponse::InternalServerError()
                .insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ))
                .body("internal server error")
        }
    }
}

/// What templates see as `current_user`, shaped after Flask-Login's.
#[derive(Debug, Serialize)]
pub struct UserView {
    /// Whether someone is logged in.
    pub is_authenticated: bool,
    /// Their id; `none` for a visitor.
    pub id: Option<String>,
    /// Their display name; `none` for a visitor.
    pub name: Option<String>,
}

impl UserView {
    /// The view of a logged-in user.
    pub fn user(user: &User) -> Self {
        Self {
            is_authenticated: true,
            id: Some(user.id.to_string()),
            name: Some(user.name.clone()),
        }
    }

    /// The view of whoever is asking: a user or a visitor.
    pub fn current(current: &CurrentUser<User>) -> Self {
        match current.user() {
            Some(user) if current.is_authenticated() => Self::user(user),
            _ => Self {
                is_authenticated: false,
                id: None,
                name: None,
            },
        }
    }
}
