//! Every refusal the API makes is JSON, `{"error": "..."}`, whatever the client's `Accept`.
//!
//! The library answers JSON only to a request that asks for it (`Accept: application/json`
//! without `text/html`); anything else, `curl`'s `*/*` included, gets a plain-text `401 login
//! required` or `403 permission required`. An API has no HTML to offer, so the manager's
//! [`unauthorized`] and [`forbidden`] handlers answer JSON always, and [`json_errors`], around
//! the whole app, turns every other error response (a 404, a bad JSON body, a 500) into JSON
//! too.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use login_runtime::ThrottleError;
use serde_json::json;

/// What a request without a usable token is told.
pub const LOGIN_REQUIRED: &str = "login required";
/// What a user without the route's permission is told.
pub const PERMISSION_REQUIRED: &str = "permission required";
/// What `/api/login` says to a wrong username or password (never which one).
pub const LOGIN_FAILED: &str = "wrong username or password";

/// `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

/// A `401` with the challenge RFC 6750 asks for: `error="invalid_token"` when the request
/// carried an `Authorization` header (it was not a live token), none when it carried nothing.
pub fn unauthorized_with(req: &HttpRequest, message: &str) -> HttpResponse {
    let challenge = if req.headers().contains_key(header::AUTHORIZATION) {
        r#"Bearer realm="api", error="invalid_token""#
    } else {
        r#"Bearer realm="api""#
    };
    HttpResponse::Unauthorized()
        .insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        ))
        .json(json!({ "error": message }))
}

/// The manager's `unauthorized_handler`: `401 {"error":"login required"}`.
pub fn unauthorized(req: &HttpRequest) -> HttpResponse {
    unauthorized_with(req, LOGIN_REQUIRED)
}

/// The manager's `forbidden_handler`: `403 {"error":"permission required"}`.
pub fn forbidden(_req: &HttpRequest) -> HttpResponse {
    error(StatusCode::FORBIDDEN, PERMISSION_REQUIRED)
}

/// A handler's refusal as an actix error, its response JSON.
pub fn reject(status: StatusCode, message: &'static str) -> actix_web::Error {
    InternalError::from_response(message, error(status, message)).into()
}

/// The `JsonConfig` error handler: a body that is not the JSON a route takes is a `400` that
/// says why (serde's message; JSON-escaped, never HTML).
pub fn bad_json(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let response = error(err.status_code(), &err.to_string());
    InternalError::from_response(err, response).into()
}

/// A throttle refusal as JSON: `429` with `Retry-After` and the wait in the body. An outage of
/// the throttle's store stays its `503` (made JSON by [`json_errors`]).
pub fn throttled(err: ThrottleError) -> actix_web::Result<HttpResponse> {
    let Some(refusal) = err.throttled() else {
        return Err(err.into());
    };
    let seconds = refusal.retry_after_secs();
    Ok(HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, seconds))
        .json(json!({ "error": "too many login attempts", "retry_after": seconds })))
}

/// The `ErrorHandlers` default: an error response that is not JSON already becomes
/// `{"error": "<its status's reason>"}` with the same status and headers (`Retry-After`,
/// `Allow`, ...). The text it replaces is never shown: it may be anything a layer wrote.
pub fn json_errors<B: MessageBody>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, old) = res.into_parts();
    let status = old.status();
    let reason = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase();
    let mut new = error(status, &reason);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    let res = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
