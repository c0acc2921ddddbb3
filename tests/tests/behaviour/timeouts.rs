//! Idle and absolute timeouts, enforced on the server from the session record
//! (docs/behaviour.md S4).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::test::{TestRequest, init_service};
use actix_web::web;
use login_runtime::LoginManager;
use login_runtime_tests::{Client, Store, User, app_with, login_record, remember_me};
use serde_json::json;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn manager() -> LoginManager<User> {
    LoginManager::new()
        .idle_timeout(Duration::from_secs(60))
        .absolute_timeout(Duration::from_secs(3600))
}

/// A client whose session holds `record` under the library's key.
async fn with_record(
    manager: LoginManager<User>,
    record: serde_json::Value,
) -> Client<
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let app = app_with(manager, web::Data::new(Store::default()));
    let mut client = Client::new(init_service(app).await);
    let plant = TestRequest::post()
        .uri("/plant")
        .set_json(login_record(record));
    assert_eq!(client.send(plant).await.status, 200);
    client
}

#[actix_rt::test]
async fn s4_a_recent_login_is_kept_and_a_fresh_one_works() {
    let app = app_with(manager(), web::Data::new(Store::default()));
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(
        reply.set_cookies().is_empty(),
        "no rewrite within a tenth of the idle timeout"
    );

    let t = now();
    let mut client = with_record(
        manager(),
        json!({"id": "1", "fresh": true, "since": t - 30, "seen": t - 1}),
    )
    .await;
    assert_eq!(client.get("/username").await.body, "Notch");
}

#[actix_rt::test]
async fn s4_idle_login_is_anonymous_and_removed() {
    let t = now();
    let record = json!({"id": "1", "fresh": true, "since": t - 120, "seen": t - 61});
    let mut client = with_record(manager(), record).await;
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    assert!(
        !reply.set_cookies().is_empty(),
        "the expired record is removed"
    );
    assert_eq!(client.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn s4_absolute_timeout_ends_even_an_active_login() {
    let t = now();
    let record = json!({"id": "1", "fresh": true, "since": t - 3601, "seen": t});
    let mut client = with_record(manager(), record).await;
    assert_eq!(client.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn s4_missing_future_or_absurd_timestamps_count_as_expired() {
    let t = now();
    for record in [
        json!({"id": "1", "fresh": true, "since": null}),
        json!({"id": "1", "fresh": true, "since": t + 3600, "seen": t + 3600}),
        json!({"id": "1", "fresh": true, "since": 0, "seen": 0}),
        json!({"id": "1", "fresh": true, "since": u64::MAX, "seen": u64::MAX}),
        json!({"id": "1", "fresh": true, "since": "yesterday", "seen": t}),
        json!({"id": "1", "fresh": true, "since": -5, "seen": t}),
    ] {
        let mut client = with_record(manager(), record.clone()).await;
        let reply = client.get("/username").await;
        assert_eq!(reply.status, 200, "{record}");
        assert_eq!(reply.body, "Anonymous", "{record}");
    }
}

#[actix_rt::test]
async fn s4_an_active_login_has_its_last_use_rewritten_sparingly() {
    let t = now();
    // 10 s since the last use: more than a tenth of the 60 s idle timeout, so it is rewritten.
    let record = json!({"id": "1", "fresh": true, "since": t - 100, "seen": t - 10});
    let mut client = with_record(manager(), record).await;
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(!reply.set_cookies().is_empty(), "last use rewritten");
    let reply = client.get("/username").await;
    assert!(reply.set_cookies().is_empty(), "and not again right after");
}

#[actix_rt::test]
async fn s4_a_remember_cookie_restores_a_non_fresh_login_after_a_timeout() {
    let manager = manager().remember_me(remember_me());
    let app = app_with(manager, web::Data::new(Store::default()));
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch?remember=true").await;
    let t = now();
    let stale = json!({"id": "1", "fresh": true, "since": t - 120, "seen": t - 61});
    client
        .send(TestRequest::post().uri("/plant").set_json(stale))
        .await;
    assert_eq!(client.get("/username").await.body, "Notch");
    assert_eq!(
        client.get("/fresh").await.body,
        "false",
        "restored from the cookie, not fresh"
    );
}
