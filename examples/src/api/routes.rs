//! The routes under `/api`. Every one but `/api/login` is behind `#[login_required]`, which a
//! request passes only with a live bearer token (the request loader in [`store`](super::store)).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use login_runtime::password::{Passwords, Verified};
use login_runtime::{Authenticated, LoginThrottle, login_required};
use serde::Deserialize;
use serde_json::json;

use super::errors::{self, LOGIN_FAILED};
use super::store::{self, TokenInfo, TooManyTokens};
use super::token::Token;
use crate::app::db::{self, Db};
use crate::app::{Role, User};

/// The most accounts `/api/admin/users` lists.
const LIST_LIMIT: u32 = 1000;
/// The longest token name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// A token's name when the request gives none.
const DEFAULT_NAME: &str = "api";

/// Registers every route, under `/api`.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/api")
            .service(login)
            .service(me)
            .service(list_tokens)
            .service(create_token)
            .service(revoke_token)
            .service(admin_users),
    );
}

/// `/api/login`'s body.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
    /// What to call the token (shown in `GET /api/tokens`).
    name: Option<String>,
}

/// Exchanges a username and password for a first token: `201` with the token, shown this once.
/// Throttled like the app's login form (`429` with `Retry-After`); one argon2 verification
/// whether the name exists or not, and one answer for both mistakes.
///
/// No CSRF token, unlike the app's forms: the body must be `application/json`, which no form
/// of another site can send without the browser asking this server first (CORS), and the
/// answer is readable only by the caller; nor does it log a browser in.
#[post("/login")]
async fn login(
    req: HttpRequest,
    body: web::Json<Credentials>,
    db: web::Data<Db>,
    passwords: web::Data<Passwords>,
    throttle: web::Data<LoginThrottle>,
) -> actix_web::Result<HttpResponse> {
    let Credentials {
        username,
        password,
        name,
    } = body.into_inner();
    let name = token_name(name)?;
    let attempt = match throttle.attempt(&req, &username).await {
        Ok(attempt) => attempt,
        Err(err) => return errors::throttled(err),
    };
    let account = db
        .run(move |conn| db::user_by_name(conn, &username))
        .await?;
    let stored = account.as_ref().map(|user| user.password_hash().to_owned());
    let verified = passwords.verify(password, stored.as_deref()).await?;
    // A hash that wants new parameters is left for the app's login to redo: a new hash is a
    // new auth hash, which would log the user out of the app's other sessions.
    let (Verified::Match { .. }, Some(user)) = (verified, account) else {
        attempt.failed();
        return Ok(errors::unauthorized_with(&req, LOGIN_FAILED));
    };
    if let Err(err) = attempt.succeeded().await {
        tracing::warn!("the login throttle could not record a success: {err}");
    }
    issue(&db, user.id, name).await
}

/// The user the token belongs to.
#[get("/me")]
#[login_required]
async fn me(user: Authenticated<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "id": user.id,
        "username": user.username,
        "roles": user.roles.iter().map(|role| role.as_db()).collect::<Vec<_>>(),
    }))
}

/// The user's live tokens: names and dates, never a token or its hash.
#[get("/tokens")]
#[login_required]
async fn list_tokens(
    user: Authenticated<User>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    let id = user.id;
    let tokens = db.run(move |conn| store::tokens_of(conn, id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "tokens": tokens })))
}

/// `POST /api/tokens`'s body; empty (`{}`) is fine.
#[derive(Deserialize)]
struct NewToken {
    name: Option<String>,
}

/// Another token for the same user (one per device or script, each revocable alone).
#[post("/tokens")]
#[login_required]
async fn create_token(
    user: Authenticated<User>,
    body: web::Json<NewToken>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    let name = token_name(body.into_inner().name)?;
    issue(&db, user.id, name).await
}

/// Revokes one of the user's own tokens, the one in use included: `204`, or `404` when the
/// user has no such live token.
#[delete("/tokens/{id}")]
#[login_required]
async fn revoke_token(
    user: Authenticated<User>,
    path: web::Path<i64>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    let (user_id, token_id) = (user.id, path.into_inner());
    let revoked = db
        .run(move |conn| store::revoke_token(conn, user_id, token_id))
        .await?;
    if !revoked {
        return Err(errors::reject(StatusCode::NOT_FOUND, "no such token"));
    }
    tracing::info!(user = user_id, token = token_id, "token revoked");
    Ok(HttpResponse::NoContent().finish())
}

/// Every account, for the admin role only: the same typed permission as the app's `/admin`.
/// Another user gets `403 {"error":"permission required"}` (the manager's forbidden handler).
#[get("/admin/users")]
#[login_required(permission = Role::Admin)]
async fn admin_users(
    _user: Authenticated<User>,
    db: web::Data<Db>,
) -> actix_web::Result<HttpResponse> {
    let users = db.run(|conn| db::accounts(conn, LIST_LIMIT)).await?;
    Ok(HttpResponse::Ok().json(json!({ "users": users })))
}

/// A token name from a request: trimmed, 1 to 64 characters, no control characters; absent or
/// blank is [`DEFAULT_NAME`].
fn token_name(name: Option<String>) -> actix_web::Result<String> {
    let name = name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(DEFAULT_NAME.to_owned());
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(errors::reject(
            StatusCode::BAD_REQUEST,
            "a token name has 1 to 64 characters, none of them control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Makes a token for `user_id`, stores its hash, and answers `201` with the token: the only
/// time it is shown.
async fn issue(db: &Db, user_id: i64, name: String) -> actix_web::Result<HttpResponse> {
    let token = Token::generate().map_err(|err| {
        tracing::error!("cannot make a token: {err}; answering 500");
        actix_web::error::ErrorInternalServerError("internal server error")
    })?;
    let stored = token.clone();
    let created = db
        .run(move |conn| store::create_token(conn, user_id, &name, &stored))
        .await?;
    let TokenInfo {
        id,
        name,
        created_at,
        ..
    } = match created {
        Ok(info) => info,
        Err(TooManyTokens) => {
            return Err(errors::reject(
                StatusCode::CONFLICT,
                "too many tokens: revoke one first",
            ));
        }
    };
    tracing::info!(user = user_id, token = id, "token issued");
    // `Cache-Control: no-store`, as on every answer of the API (see `api`).
    Ok(HttpResponse::Created().json(json!({
        "id": id,
        "name": name,
        "created_at": created_at,
        "token": token.as_str(),
    })))
}
