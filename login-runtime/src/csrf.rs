//! CSRF tokens for forms (issue #7): a random token bound to the session, echoed by the form in
//! a hidden `csrf_token` field and checked when it is posted.
//!
//! The `SameSite=Lax` session cookie already keeps other sites' posts from carrying a session,
//! but that does not stop *login* CSRF: a forged login post needs no session, and logs the
//! victim's browser into the attacker's account. A post must prove it came from a form this
//! session was served, which a forged one cannot.

use std::fmt;

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use subtle::ConstantTimeEq;

use crate::random;

/// The session key the token lives under. Logging in removes it, so a token an attacker saw
/// before the login (in a session they planted, say) is worthless after it.
pub(crate) const CSRF_KEY: &str = "_csrf";

/// This session's CSRF token, created on first use: put it in a hidden field named
/// `csrf_token` in every form that posts, and check it with [`verify_csrf`].
///
/// It stays the same for the whole session (so several open tabs keep working) and is
/// replaced after a login. It is 32 hex digits, so it needs no HTML escaping.
///
/// ```
/// use actix_web::{HttpRequest, HttpResponse, get};
/// use login_runtime::csrf_token;
///
/// #[get("/comment")]
/// async fn comment_form(req: HttpRequest) -> actix_web::Result<HttpResponse> {
///     let token = csrf_token(&req)?;
///     Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
///         r#"<form method="post" action="/comment">
///              <input type="hidden" name="csrf_token" value="{token}">
///              <textarea name="text"></textarea> <button>Post</button>
///            </form>"#
///     )))
/// }
/// # #[actix_web::main] async fn main() {
/// # use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// # use actix_web::{App, cookie::Key, test};
/// # let app = test::init_service(App::new()
/// #     .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate()))
/// #     .service(comment_form)).await;
/// # let res = test::call_service(&app, test::TestRequest::get().uri("/comment").to_request()).await;
/// # assert_eq!(res.status(), 200);
/// # assert_eq!(res.response().cookies().count(), 1, "the token is kept in the session");
/// # let page = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
/// # let token = page.split(r#"name="csrf_token" value=""#).nth(1).unwrap().split('"').next().unwrap();
/// # assert_eq!(token.len(), 32);
/// # }
/// ```
pub fn csrf_token(req: &HttpRequest) -> Result<String, actix_web::Error> {
    let session = req.get_session();
    if let Some(token) = stored_token(&session) {
        return Ok(token);
    }
    let token = random::token();
    session.insert(CSRF_KEY, &token)?;
    Ok(token)
}

/// Checks a posted form's `csrf_token` against this session's, in constant time.
///
/// Refused — with a [`CsrfError`], which answers `403 Forbidden` — when the session has no token
/// (the form was never served to it, or the session expired or went through a login), or when
/// `submitted` is empty or another value. Check before acting on anything else in the form.
///
/// ```
/// use actix_web::{HttpRequest, post, web};
/// use login_runtime::verify_csrf;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Comment {
///     // `default`: a post without the field is then refused by the check (403), not by the
///     // form parser (400).
///     #[serde(default)]
///     csrf_token: String,
///     text: String,
/// }
///
/// #[post("/comment")]
/// async fn post_comment(req: HttpRequest, form: web::Form<Comment>) -> actix_web::Result<String> {
///     verify_csrf(&req, &form.csrf_token)?;
///     Ok(format!("posted {:?}", form.text))
/// }
/// # #[actix_web::get("/comment")]
/// # async fn comment_form(req: HttpRequest) -> actix_web::Result<String> {
/// #     login_runtime::csrf_token(&req)
/// # }
/// # #[actix_web::main] async fn main() {
/// # use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// # use actix_web::{App, cookie::Key, test};
/// # let app = test::init_service(App::new()
/// #     .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate()))
/// #     .service(comment_form)
/// #     .service(post_comment)).await;
/// # let res = test::call_service(&app, test::TestRequest::get().uri("/comment").to_request()).await;
/// # let cookie = res.response().cookies().next().unwrap().into_owned();
/// # let token = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
/// # let post = |token: &str| test::TestRequest::post().uri("/comment").cookie(cookie.clone())
/// #     .set_form([("csrf_token", token), ("text", "hi")]).to_request();
/// # assert_eq!(test::call_service(&app, post(&token)).await.status(), 200);
/// # assert_eq!(test::call_service(&app, post("")).await.status(), 403);
/// # assert_eq!(test::call_service(&app, post("0123456789abcdef0123456789abcdef")).await.status(), 403);
/// # }
/// ```
pub fn verify_csrf(req: &HttpRequest, submitted: &str) -> Result<(), CsrfError> {
    let Some(expected) = stored_token(&req.get_session()) else {
        return Err(CsrfError::new(req, Reason::NoSessionToken));
    };
    if submitted.is_empty() {
        return Err(CsrfError::new(req, Reason::NotSubmitted));
    }
    // Only the length can leak, and every token has the same one.
    if !bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) {
        return Err(CsrfError::new(req, Reason::Mismatch));
    }
    Ok(())
}

/// The session's token. An unreadable or empty value counts as none, so it is replaced rather
/// than matched: an empty stored token must never accept an empty submission.
fn stored_token(session: &Session) -> Option<String> {
    session
        .get::<String>(CSRF_KEY)
        .ok()
        .flatten()
        .filter(|token| !token.is_empty())
}

/// A form post [`verify_csrf`] refused. It answers `403 Forbidden` with a plain-text body that
/// gives nothing away; why it was refused is logged once, as a `warn` line, when it is created.
#[derive(Debug)]
pub struct CsrfError {
    reason: Reason,
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    NoSessionToken,
    NotSubmitted,
    Mismatch,
}

impl CsrfError {
    fn new(req: &HttpRequest, reason: Reason) -> Self {
        tracing::warn!(
            target: "login_runtime",
            "refused a {} to {} with 403: {reason}",
            req.method(),
            req.path()
        );
        Self { reason }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoSessionToken => {
                "the session has no CSRF token: the form was not served to this session, the \
                 session expired or went through a login, or no actix-session \
                 `SessionMiddleware` is registered"
            }
            Self::NotSubmitted => {
                "the form sent no `csrf_token`; add `<input type=\"hidden\" name=\"csrf_token\" \
                 value=\"..\">` with the value of `csrf_token(&req)` to it"
            }
            Self::Mismatch => {
                "the submitted CSRF token is not this session's: a form from another session or \
                 from before a login, or a forged post"
            }
        })
    }
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CSRF check failed: {}", self.reason)
    }
}

impl std::error::Error for CsrfError {}

impl ResponseError for CsrfError {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ))
            .body("CSRF token missing or invalid")
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    // Without a `SessionMiddleware`, `get_session()` gives each request a detached session:
    // enough to check the logic here; the behaviour tests drive real session stores.
    fn request() -> HttpRequest {
        TestRequest::default().to_http_request()
    }

    #[test]
    fn csrf_token_is_created_once_and_verifies() -> actix_web::Result<()> {
        let req = request();
        let token = csrf_token(&req)?;
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
        assert_eq!(csrf_token(&req)?, token);
        assert!(verify_csrf(&req, &token).is_ok());
        assert!(verify_csrf(&req, &token.to_uppercase()).is_err());
        assert!(verify_csrf(&req, &token[..31]).is_err());
        assert!(verify_csrf(&req, "").is_err());
        Ok(())
    }

    #[test]
    fn csrf_without_a_session_token_fails_whatever_is_submitted() {
        let req = request();
        assert!(verify_csrf(&req, "").is_err());
        assert!(verify_csrf(&req, "0123456789abcdef0123456789abcdef").is_err());
        assert!(
            !req.get_session().contains_key(CSRF_KEY),
            "checking creates no token"
        );
    }

    #[test]
    fn csrf_empty_or_unreadable_stored_token_is_none_and_replaced() -> actix_web::Result<()> {
        let req = request();
        req.get_session().insert(CSRF_KEY, "")?;
        assert!(
            verify_csrf(&req, "").is_err(),
            "empty must never match empty"
        );
        assert_eq!(csrf_token(&req)?.len(), 32);

        let req = request();
        req.get_session().insert(CSRF_KEY, 42)?;
        assert!(verify_csrf(&req, "42").is_err());
        assert_eq!(csrf_token(&req)?.len(), 32);
        Ok(())
    }

    #[test]
    fn csrf_refusal_is_an_opaque_403() {
        let refused = verify_csrf(&request(), "x").err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|err| err.to_string().contains("no CSRF token")),
            "{refused:?}"
        );
        let res = refused.map(|err| err.error_response());
        assert_eq!(
            res.as_ref().map(HttpResponse::status),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            res.as_ref()
                .and_then(|res| res.headers().get(header::CONTENT_TYPE)),
            Some(&HeaderValue::from_static("text/plain; charset=utf-8"))
        );
    }
}
