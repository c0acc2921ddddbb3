//! Shared by the pass cases, which check behaviour in their `main`: an app with sessions and a
//! login route, and requests that carry the session cookie.
#![allow(dead_code)]

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{HttpRequest, HttpResponse, web};
use login_runtime::{UserLoader, login_user};

/// The session middleware, with a fixed key.
pub fn session() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(&[7; 64]))
        .cookie_secure(false)
        .build()
}

/// `POST /login/{id}`: logs in the user the `#[user_loader]` of `U` loads for `id`.
pub async fn login_as<U: UserLoader + Clone>(
    req: HttpRequest,
    id: web::Path<String>,
) -> actix_web::Result<HttpResponse> {
    let user = U::load_user(&req, &id)
        .await?
        .ok_or_else(|| actix_web::error::ErrorNotFound("no such user"))?;
    if !login_user(&req, &user)?.is_logged_in() {
        return Ok(HttpResponse::Forbidden().finish());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Logs in user `id` through `POST /login/{id}` and returns the session cookie.
pub async fn login<S, B>(app: &S, id: &str) -> Cookie<'static>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = TestRequest::post()
        .uri(&format!("/login/{id}"))
        .to_request();
    let res = test::call_service(app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "login of user {id}");
    res.response()
        .cookies()
        .next()
        .expect("the login sets the session cookie")
        .into_owned()
}

/// Sends `req` (with `cookie`, if any) and returns the status and the body.
pub async fn send<S, B>(
    app: &S,
    req: TestRequest,
    cookie: Option<&Cookie<'static>>,
) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = match cookie {
        Some(cookie) => req.cookie(cookie.clone()),
        None => req,
    };
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let body = test::read_body(res).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// `GET uri`, as [`send`].
pub async fn get<S, B>(app: &S, uri: &str, cookie: Option<&Cookie<'static>>) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, TestRequest::get().uri(uri), cookie).await
}
