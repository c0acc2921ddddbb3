//! The responses for a refused request: unauthorized (no login) and needs-refresh (stale login).

use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::UserMixin;
use crate::config::{Config, Message, ResponseHook};
use crate::events::{LoginEvent, emit};
use crate::flash::flash;
use crate::next::{login_url, make_next_param};

/// htmx's request marker and redirect instruction (static: parsing a name per request shows up
/// in the unauthorized path's profile).
const HX_REQUEST: HeaderName = HeaderName::from_static("hx-request");
const HX_REDIRECT: HeaderName = HeaderName::from_static("hx-redirect");

/// The session key `next_in_session` keeps the original URL under.
pub(crate) const NEXT_KEY: &str = "_next";

#[derive(Clone, Copy)]
enum Refusal {
    Unauthorized,
    NeedsRefresh,
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
            (Some(handler), _) => handler(req),
            (None, None) => refused(req, reason, None),
            (None, Some(view)) => {
                let target = self.redirect_target(req, refusal, view);
                if wants_json(req) {
                    refused(req, reason, Some(&target))
                } else {
                    if let Some(message) = message {
                        let text = match &self.localizer {
                            Some(localize) => localize(req, &message.text),
                            None => message.text.clone(),
                        };
                        if let Err(err) = flash(req, &message.category, &text) {
                            tracing::debug!(target: "login_runtime", "cannot flash the login message: {err}");
                        }
                    }
                    redirect(req, &target)
                }
            }
        };
        InternalError::from_response(reason, response).into()
    }

    /// `view?next=<this request>`, or the bare view with `next` kept in the session.
    fn redirect_target(&self, req: &HttpRequest, refusal: Refusal, view: &str) -> String {
        let current = current_url(req, view);
        if self.next_in_session && matches!(refusal, Refusal::Unauthorized) {
            let next = make_next_param(view, &current);
            if let Err(err) = actix_session::SessionExt::get_session(req).insert(NEXT_KEY, next) {
                tracing::debug!(target: "login_runtime", "cannot keep `next` in the session: {err}");
            }
            return view.to_owned();
        }
        login_url(view, Some(&current), "next")
    }
}

/// The URL `next` is built from: the request's path and query only — never `Host` or forwarding
/// headers (spec/next-url.md) — unless the login view is on another site, which needs the full
/// URL to send the user back (spec line 13).
fn current_url(req: &HttpRequest, view: &str) -> String {
    let uri = req.uri();
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    if view.starts_with('/') && !view.starts_with("//") {
        return target;
    }
    let info = req.connection_info();
    format!("{}://{}{target}", info.scheme(), info.host())
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

/// 401: JSON for JSON callers, text otherwise; `login_url` where there is a login view.
fn refused(req: &HttpRequest, reason: &str, login_url: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::Unauthorized();
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
