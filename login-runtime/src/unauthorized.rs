//! The responses for a refused request: unauthorized (no login), needs-refresh (stale login)
//! and forbidden (a login without the permission).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::UserMixin;
use crate::config::{Config, Message, ResponseHook};
use crate::error::LoginError;
use crate::events::{LoginEvent, emit};
use crate::flash::{MESSAGE_COOKIE, flash};
use crate::next::{login_url, make_next_param};

/// htmx's request marker and redirect instruction (static: parsing a name per request shows up
/// in the unauthorized path's profile).
const HX_REQUEST: HeaderName = HeaderName::from_static("hx-request");
const HX_REDIRECT: HeaderName = HeaderName::from_static("hx-redirect");

/// The session key `next_in_session` keeps the original URL under.
pub(crate) const NEXT_KEY: &str = "_next";
/// A kept `next` longer than this goes in the query instead: a cookie store's session must stay
/// under the 4,096 bytes browsers keep.
const MAX_KEPT_NEXT: usize = 1024;
/// Long enough to follow the redirect, short enough to be gone before it means anything else.
const MESSAGE_COOKIE_SECS: i64 = 60;

#[derive(Clone, Copy)]
enum Refusal {
    Unauthorized,
    NeedsRefresh,
}

impl Refusal {
    /// The marker cookie's value.
    fn marker(self) -> &'static str {
        match self {
            Self::Unauthorized => "u",
            Self::NeedsRefresh => "r",
        }
    }
}

impl<U: UserMixin> Config<U> {
    /// The response for a request that needs a login and has none (Flask's `unauthorized()`).
    pub(crate) fn unauthorized(
        &self,
        req: &HttpRequest,
        login_view: Option<&str>,
    ) -> actix_web::Error {
        emit(self.listener.as_ref(), req, &LoginEvent::Unauthorized);
        let view = login_view.or(self.login_view.as_deref());
        self.refuse(
            req,
            Refusal::Unauthorized,
            view,
            self.unauthorized_handler.as_ref(),
            self.login_message.as_ref(),
        )
    }

    /// The response for a request that needs a fresh login and has a stale one
    /// (Flask's `needs_refresh()`).
    pub(crate) fn needs_refresh(&self, req: &HttpRequest) -> actix_web::Error {
        emit(self.listener.as_ref(), req, &LoginEvent::NeedsRefresh);
        self.refuse(
            req,
            Refusal::NeedsRefresh,
            self.refresh_view.as_deref(),
            self.needs_refresh_handler.as_ref(),
            self.needs_refresh_message.as_ref(),
        )
    }

    /// The response for a logged-in user who lacks a permission the route requires: `403`,
    /// through the app's forbidden handler when there is one.
    pub(crate) fn forbidden(&self, req: &HttpRequest, user: &U) -> actix_web::Error {
        emit(
            self.listener.as_ref(),
            req,
            &LoginEvent::PermissionDenied(user),
        );
        let reason = "permission required";
        let response = match &self.forbidden_handler {
            Some(handler) => contained(handler, req),
            None => refused(req, StatusCode::FORBIDDEN, reason, None),
        };
        InternalError::from_response(reason, response).into()
    }

    fn refuse(
        &self,
        req: &HttpRequest,
        refusal: Refusal,
        view: Option<&str>,
        handler: Option<&ResponseHook>,
        message: Option<&Message>,
    ) -> actix_web::Error {
        let reason = match refusal {
            Refusal::Unauthorized => "login required",
            Refusal::NeedsRefresh => "fresh login required",
        };
        let response = match (handler, view) {
            (Some(handler), _) => contained(handler, req),
            (None, None) => refused(req, StatusCode::UNAUTHORIZED, reason, None),
            (None, Some(view)) => {
                let view = match resolve_view(req, view) {
                    Ok(view) => view,
                    Err(err) => return err.into(),
                };
                let target = self.redirect_target(req, &view);
                if wants_json(req) {
                    refused(req, StatusCode::UNAUTHORIZED, reason, Some(&target))
                } else {
                    let mut response = redirect(req, &target);
                    if let Some(message) = message {
                        self.tell(req, refusal, message, &mut response);
                    }
                    response
                }
            }
        };
        InternalError::from_response(reason, response).into()
    }

    /// Flashes the refusal's message. Refusals create no session: a visitor without one gets a
    /// marker cookie naming which configured message to show (never its text, so nothing a
    /// third party plants can put words on the page), which `get_flashed_messages` turns into
    /// the message once and then deletes.
    fn tell(
        &self,
        req: &HttpRequest,
        refusal: Refusal,
        message: &Message,
        response: &mut HttpResponse,
    ) {
        if has_session(req) {
            let text = self.localized(req, &message.text);
            if let Err(err) = flash(req, &message.category, &text) {
                tracing::debug!(target: "login_runtime", "cannot flash the login message: {err}");
            }
            return;
        }
        let mut marker = Cookie::new(MESSAGE_COOKIE, refusal.marker());
        marker.set_path("/");
        marker.set_http_only(true);
        marker.set_same_site(SameSite::Lax);
        marker.set_max_age(actix_web::cookie::time::Duration::seconds(
            MESSAGE_COOKIE_SECS,
        ));
        if let Err(err) = response.add_cookie(&marker) {
            tracing::debug!(target: "login_runtime", "cannot set the login message cookie: {err}");
        }
    }

    fn localized(&self, req: &HttpRequest, text: &str) -> String {
        match &self.localizer {
            Some(localize) => localize(req, text),
            None => text.to_owned(),
        }
    }

    /// The message a marker cookie names, localized, as `get_flashed_messages` shows it.
    pub(crate) fn marked_message(
        &self,
        req: &HttpRequest,
        marker: &str,
    ) -> Option<(String, String)> {
        let message = match marker {
            "u" => self.login_message.as_ref(),
            "r" => self.needs_refresh_message.as_ref(),
            _ => None,
        }?;
        Some((message.category.clone(), self.localized(req, &message.text)))
    }

    /// `view?next=<this request>`, or the bare view with `next` kept in a session that already
    /// exists (a refusal creates none) when it is short enough not to grow the session cookie
    /// past what browsers keep.
    fn redirect_target(&self, req: &HttpRequest, view: &str) -> String {
        let current = self.current_url(req, view);
        if self.next_in_session && has_session(req) {
            let next = make_next_param(view, &current);
            // Measured as stored: the session serializes it as JSON, which escapes `\` and `"`.
            let stored = serde_json::to_string(&next).map_or(usize::MAX, |json| json.len());
            if stored <= MAX_KEPT_NEXT {
                let session = actix_session::SessionExt::get_session(req);
                match session.insert(NEXT_KEY, next) {
                    Ok(()) => return view.to_owned(),
                    Err(err) => {
                        tracing::debug!(target: "login_runtime", "cannot keep `next` in the session: {err}");
                    }
                }
            }
        }
        login_url(view, Some(&current), "next")
    }

    /// The URL `next` is built from: the request's path and query only — never `Host` or
    /// forwarding headers (docs/behaviour.md N1) — unless the login view is on another site,
    /// which needs the full URL to send the user back: then the configured `site_url`.
    fn current_url(&self, req: &HttpRequest, view: &str) -> String {
        let uri = req.uri();
        let target = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
        if view_kind(view) != Some(ViewKind::Absolute) {
            return target;
        }
        // The manager refuses to start with such a view and no `site_url`.
        let site = self.site_url.as_deref().unwrap_or_default();
        format!("{site}{target}")
    }
}

/// What kind of login or refresh view a configured string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ViewKind {
    /// `/login`: a path on this site.
    Path,
    /// `https://auth.example/login`: a page on another site.
    Absolute,
    /// `login`: the name of an actix resource (`#[get("/login", name = "login")]`), resolved
    /// like Flask's `url_for` when first used.
    Name,
}

/// Classifies a configured view; `None` for a string that is none of the three (say
/// `login/form` or `../login`, which would resolve against each page's own path).
pub(crate) fn view_kind(view: &str) -> Option<ViewKind> {
    if view.starts_with("http://") || view.starts_with("https://") {
        return Some(ViewKind::Absolute);
    }
    if view.starts_with("//") {
        return None;
    }
    if view.starts_with('/') {
        return Some(ViewKind::Path);
    }
    let name = !view.is_empty()
        && view
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
    name.then_some(ViewKind::Name)
}

/// The view as a path or absolute URL: a resource name becomes its route's path.
fn resolve_view(req: &HttpRequest, view: &str) -> Result<String, LoginError> {
    match view_kind(view) {
        Some(ViewKind::Path | ViewKind::Absolute) => return Ok(view.to_owned()),
        Some(ViewKind::Name) => {}
        None => {
            return Err(LoginError::misconfigured(format!(
                "the view {view:?} is neither a path (\"/login\"), an absolute URL nor a route \
                 name (\"login\")"
            )));
        }
    }
    match req.url_for_static(view) {
        // Only the path: the host `url_for` adds comes from the request's headers.
        Ok(url) => Ok(url[url::Position::BeforePath..].to_owned()),
        Err(_) => Err(LoginError::misconfigured(format!(
            "the login or refresh view {view:?} is not the name of any route; name the route \
             (`#[get(\"/login\", name = \"{view}\")]`) or give the path (`\"/{view}\"`)"
        ))),
    }
}

/// Whether the request already has a session with something in it: only then may a refusal
/// write to it, so that strangers cannot make a server-side store grow.
fn has_session(req: &HttpRequest) -> bool {
    !actix_session::SessionExt::get_session(req)
        .entries()
        .is_empty()
}

/// Runs an app's refusal handler; a panic in it is a 500 for that request, not a dropped
/// connection.
fn contained(handler: &ResponseHook, req: &HttpRequest) -> HttpResponse {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(req))) {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(target: "login_runtime", "the unauthorized, needs-refresh or forbidden handler panicked; answering 500");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A caller that asks for JSON and not HTML gets JSON, not a redirect to an HTML form.
fn wants_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// 401 or 403: JSON for JSON callers, text otherwise; `login_url` where there is a login view.
fn refused(
    req: &HttpRequest,
    status: StatusCode,
    reason: &str,
    login_url: Option<&str>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if wants_json(req) {
        let body = match login_url {
            Some(url) => serde_json::json!({ "error": reason, "login_url": url }),
            None => serde_json::json!({ "error": reason }),
        };
        return response.json(body);
    }
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        ))
        .body(reason.to_owned())
}

/// 302 to `location`, or for htmx (which cannot follow a redirect into a full page) a 401 with
/// `HX-Redirect`.
fn redirect(req: &HttpRequest, location: &str) -> HttpResponse {
    let Ok(value) = HeaderValue::try_from(location) else {
        // `login_url` percent-encodes, so only a login view with raw control characters gets
        // here: a configuration mistake, not a request one.
        tracing::error!(target: "login_runtime", "login view {location:?} is not a valid header value");
        return HttpResponse::InternalServerError().finish();
    };
    if req.headers().contains_key(HX_REQUEST) {
        return HttpResponse::Unauthorized()
            .insert_header((HX_REDIRECT, value))
            .finish();
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, value))
        .finish()
}
