//! The same promises with a server-side store: actix-session's `RedisSessionStore` against a
//! real Redis. Session ids are server-side here, so fixation and replay are visible
//! (docs/behaviour.md B8, B21, B28, S1, S2).
//!
//! Run with `cargo test -p login-runtime-tests --features redis --test redis_store` and
//! `LOGIN_RUNTIME_REDIS_URL` set (`.ci/run` starts a Redis and does both).

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_session::SessionMiddleware;
use actix_session::storage::RedisSessionStore;
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, web};
use login_runtime::{LoginManager, SessionProtection};
use login_runtime_tests::{Client, Store, User, app::key, remember_me, routes};

async fn redis() -> RedisSessionStore {
    let url = std::env::var("LOGIN_RUNTIME_REDIS_URL")
        .expect("set LOGIN_RUNTIME_REDIS_URL to a Redis server, e.g. redis://127.0.0.1:6391 (.ci/run starts one)");
    RedisSessionStore::new(url)
        .await
        .expect("Redis is reachable")
}

/// The fixture app on Redis.
async fn app(
    manager: LoginManager<User>,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    let sessions = SessionMiddleware::builder(redis().await, key())
        .cookie_secure(false)
        .build();
    init_service(
        App::new()
            .app_data(web::Data::new(Store::default()))
            .wrap(manager)
            .wrap(sessions)
            .configure(routes),
    )
    .await
}

#[actix_rt::test]
async fn b_08_login_renews_the_session_id_and_the_planted_one_is_dead() {
    let app = app(LoginManager::new()).await;
    let mut victim = Client::new(&app);
    victim.get("/visit").await;
    let planted = victim.cookies.get("id").cloned().expect("a session id");

    assert_eq!(victim.get("/login/notch").await.body, "true Notch");
    let renewed = victim.cookies.get("id").cloned().expect("a session id");
    assert_ne!(planted, renewed, "login issues a new session id");
    assert_eq!(victim.get("/username").await.body, "Notch");

    let mut attacker = Client::new(&app);
    attacker.cookies.insert("id".to_owned(), planted);
    assert_eq!(attacker.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn s2_a_session_cookie_copied_before_logout_is_anonymous_after_it() {
    let app = app(LoginManager::new()).await;
    let mut client = Client::new(&app);
    client.get("/login/notch").await;
    let copy = client.cookies.get("id").cloned().expect("a session id");
    assert_eq!(client.get("/logout").await.body, "Anonymous");

    let mut replay = Client::new(&app);
    replay.cookies.insert("id".to_owned(), copy);
    assert_eq!(replay.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn b_21_remember_cookie_restores_into_a_new_redis_session() {
    let app = app(LoginManager::new().remember_me(remember_me())).await;
    let mut client = Client::new(&app);
    client.get("/login/notch?remember=true").await;
    client.cookies.remove("id"); // the browser restarts
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(
        client.cookies.contains_key("id"),
        "the restored login is a session again"
    );
    assert_eq!(client.get("/fresh").await.body, "false");
    assert_eq!(client.get("/username").await.body, "Notch");
}

#[actix_rt::test]
async fn b_28_strong_protection_drops_only_the_login() {
    let app = app(LoginManager::new().session_protection(SessionProtection::Strong)).await;
    let mut client = Client::new(&app);
    client.get("/visit").await;
    client.get("/login/notch").await;
    let thief = TestRequest::get()
        .uri("/username")
        .insert_header(("user-agent", "elsewhere"));
    assert_eq!(client.send(thief).await.body, "Anonymous");
    assert_eq!(
        client.get("/username").await.body,
        "Anonymous",
        "the login is gone for good"
    );
}
