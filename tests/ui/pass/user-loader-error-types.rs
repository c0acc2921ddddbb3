//! A loader's error may be a `std::error::Error` (what database crates return), an actix
//! `ResponseError`, or an `anyhow::Error`-like report; each failure answers an opaque 500.

#[path = "../support/mod.rs"]
mod support;

use std::fmt;

use actix_web::{App, HttpRequest, ResponseError, test, web};
use login_runtime::{
    CurrentUser, LoginManager, UserLoader, UserMixin, request_loader, user_loader,
};

#[derive(Clone, UserMixin)]
struct User {
    id: i64,
}

/// Like `sqlx::Error` or `rusqlite::Error`: a `std::error::Error`, not an actix one.
#[derive(Debug)]
struct DbError;

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for DbError {}

/// An actix error type that is not a `std::error::Error`.
#[derive(Debug)]
struct KeyStoreDown;

impl fmt::Display for KeyStoreDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("key store down")
    }
}

impl ResponseError for KeyStoreDown {}

#[user_loader]
async fn load_user(id: i64) -> Result<Option<User>, DbError> {
    match id {
        -1 => Err(DbError),
        id => Ok(Some(User { id })),
    }
}

#[request_loader]
async fn from_header(req: HttpRequest) -> Result<Option<User>, KeyStoreDown> {
    match req.headers().get("x-api-key") {
        Some(_) => Err(KeyStoreDown),
        None => Ok(None),
    }
}

// The other forms compile too: an `anyhow::Error`, and a boxed error.
#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
}

#[user_loader]
async fn load_staff(id: u64) -> anyhow::Result<Option<Staff>> {
    anyhow::ensure!(id != 0, "no staff 0");
    Ok(Some(Staff { id }))
}

#[derive(Clone, UserMixin)]
struct Admin {
    id: u64,
}

#[user_loader]
async fn load_admin(id: u64) -> Result<Option<Admin>, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Some(Admin { id }))
}

async fn me(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new().request_loader())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/me", web::get().to(me)),
    )
    .await;
    let cookie = support::login(&app, "7").await;
    assert_eq!(support::get(&app, "/me", Some(&cookie)).await.1, "Some(\"7\")");
    // Called directly, each loader's error comes back as an `actix_web::Error` with its text.
    let req = test::TestRequest::default().to_http_request();
    let error = <User as UserLoader>::load_user(&req, "-1").await.err();
    assert_eq!(error.map(|e| e.to_string()).as_deref(), Some("connection refused"));
    let error = <Staff as UserLoader>::load_user(&req, "0").await.err();
    assert_eq!(error.map(|e| e.to_string()).as_deref(), Some("no staff 0"));
    let admin = <Admin as UserLoader>::load_user(&req, "3").await.ok().flatten();
    assert!(admin.is_some());
}
