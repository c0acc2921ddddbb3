//! A loader may fail with the error type its database crate returns (any
//! `std::error::Error + 'static`), as well as with an actix error: either way the response is an
//! opaque 500, the cause is logged with its sources, and the session is kept (L1).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::Method;
use actix_web::test::init_service;
use actix_web::{App, HttpRequest, HttpResponse, get, post, web};
use login_runtime::{CurrentUser, LoginManager, UserMixin, login_user, user_loader};
use login_runtime_tests::logs::Logs;
use login_runtime_tests::{Client, session_middleware};

/// The database, with a switch that makes every query fail.
#[derive(Default)]
struct Db {
    down: AtomicBool,
}

/// What a database crate returns (think `sqlx::Error`): a `std::error::Error` with a source,
/// and no actix trait.
#[derive(Debug)]
struct QueryError {
    source: std::io::Error,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("query failed")
    }
}

impl std::error::Error for QueryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[derive(Clone, UserMixin)]
struct Member {
    id: u64,
}

#[user_loader]
async fn load_member(id: u64, db: web::Data<Db>) -> Result<Option<Member>, QueryError> {
    if db.down.load(Ordering::SeqCst) {
        let source = std::io::Error::other("connection to 10.0.0.7:5432 refused");
        return Err(QueryError { source });
    }
    Ok(Some(Member { id }))
}

#[post("/login/{id}")]
async fn login(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<HttpResponse> {
    let member = Member { id: *id };
    if !login_user(&req, &member)?.is_logged_in() {
        return Ok(HttpResponse::Forbidden().finish());
    }
    Ok(HttpResponse::NoContent().finish())
}

#[get("/me")]
async fn me(member: CurrentUser<Member>) -> String {
    format!("{:?}", member.get_id())
}

#[actix_rt::test]
async fn l1_a_std_error_from_the_loader_is_an_opaque_500_logged_with_its_sources() {
    let (logs, _guard) = Logs::capture();
    let db = web::Data::new(Db::default());
    let app = App::new()
        .app_data(db.clone())
        .wrap(LoginManager::<Member>::new())
        .wrap(session_middleware())
        .service(login)
        .service(me);
    let mut client = Client::new(init_service(app).await);
    assert_eq!(client.request(Method::POST, "/login/7").await.status, 204);
    assert_eq!(client.get("/me").await.body, "Some(\"7\")");

    db.down.store(true, Ordering::SeqCst);
    let reply = client.get("/me").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "internal server error");
    assert!(reply.set_cookies().is_empty(), "the session is left alone");
    let text = logs.text();
    assert!(
        text.contains("failed: query failed: connection to 10.0.0.7:5432 refused"),
        "{text}"
    );

    // The store is back, and so is the login.
    db.down.store(false, Ordering::SeqCst);
    assert_eq!(client.get("/me").await.body, "Some(\"7\")");
}

/// The blocking client (rusqlite, diesel) behind a lock, as the docs' `web::block` recipe has it.
struct BlockingDb {
    staff: std::sync::Mutex<Vec<u64>>,
}

impl BlockingDb {
    /// A blocking lookup; a poisoned lock stands in for the database's own error.
    fn find(&self, id: u64) -> Result<Option<u64>, std::io::Error> {
        let staff = self
            .staff
            .lock()
            .map_err(|_| std::io::Error::other("database lock poisoned"))?;
        if id == 13 {
            return Err(std::io::Error::other("disk I/O error"));
        }
        Ok(staff.iter().copied().find(|&known| known == id))
    }
}

#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
}

#[user_loader]
async fn load_staff(
    id: u64,
    db: web::Data<BlockingDb>,
) -> Result<Option<Staff>, Box<dyn std::error::Error + Send + Sync>> {
    // Blocking calls leave the async worker free: the first `?` is actix's thread pool failing,
    // the second the query.
    let found = web::block(move || db.find(id)).await??;
    Ok(found.map(|id| Staff { id }))
}

#[post("/staff/login/{id}")]
async fn staff_login(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<HttpResponse> {
    if !login_user(&req, &Staff { id: *id })?.is_logged_in() {
        return Ok(HttpResponse::Forbidden().finish());
    }
    Ok(HttpResponse::NoContent().finish())
}

#[get("/staff/me")]
async fn staff_me(staff: CurrentUser<Staff>) -> String {
    format!("{:?}", staff.get_id())
}

#[actix_rt::test]
async fn l1_a_blocking_loader_on_web_block_fails_as_an_opaque_500() {
    let (logs, _guard) = Logs::capture();
    let db = web::Data::new(BlockingDb {
        staff: std::sync::Mutex::new(vec![4, 13]),
    });
    let app = App::new()
        .app_data(db)
        .wrap(LoginManager::<Staff>::new())
        .wrap(session_middleware())
        .service(staff_login)
        .service(staff_me);
    let mut client = Client::new(init_service(app).await);
    assert_eq!(
        client.request(Method::POST, "/staff/login/4").await.status,
        204
    );
    assert_eq!(client.get("/staff/me").await.body, "Some(\"4\")");

    let mut other = Client::new(client.into_app());
    assert_eq!(
        other.request(Method::POST, "/staff/login/13").await.status,
        204
    );
    let reply = other.get("/staff/me").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "internal server error");
    let text = logs.text();
    assert!(text.contains("failed: disk I/O error"), "{text}");
}
