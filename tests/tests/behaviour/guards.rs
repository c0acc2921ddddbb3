//! `#[login_required]` and the unauthorized response (docs/behaviour.md B10, B11, B17, B42, L1).

use actix_web::http::Method;
use actix_web::test::{TestRequest, init_service};
use actix_web::web;
use login_runtime::LoginManager;
use login_runtime_tests::{Client, Store, app_with, default_app};

#[actix_rt::test]
async fn b_10_anonymous_gets_401_without_login_view_and_logged_in_runs() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    for path in ["/secret", "/secret-above"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 401, "{path}");
        assert!(reply.header("location").is_none());
    }
    client.get("/login/notch").await;
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "secret for Notch");
    assert_eq!(client.get("/secret-above").await.body, "secret above");
}

#[actix_rt::test]
async fn b_11_login_view_redirects_with_percent_encoded_next() {
    let store = web::Data::new(Store::default());
    let app = app_with(LoginManager::new().login_view("/login"), store);
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login?next=%2Fsecret"));

    let reply = client.get("/secret-above?a=1&b=%2F").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("/login?next=%2Fsecret-above%3Fa%3D1%26b%3D%252F"),
        "path and query encoded as form data, so exactly one `next` results"
    );
}

/// An exempt method from a login that is not fresh (restored from the remember cookie) still
/// reaches a handler that does not ask for a fresh login: only `fresh` handlers answer 204.
#[actix_rt::test]
async fn b_17_options_from_a_restored_login_reaches_a_non_fresh_handler() {
    let store = web::Data::new(Store::default());
    let manager = LoginManager::new().remember_me(login_runtime_tests::remember_me());
    let mut client = Client::new(init_service(app_with(manager, store)).await);
    client.get("/login/notch?remember=true").await;
    client.cookies.remove("id");
    assert_eq!(
        client.get("/fresh").await.body,
        "false",
        "restored, not fresh"
    );
    let reply = client.request(Method::OPTIONS, "/options-secret").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "OPTIONS passed");
}

#[actix_rt::test]
async fn b_17_options_passes_unchecked_and_exempt_methods_changes_the_set() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    // Exempt from the login check, but an anonymous caller never runs the handler's body:
    // the guard answers a preflight itself (docs/behaviour.md B17).
    let reply = client.request(Method::OPTIONS, "/options-secret").await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, "", "the handler's body did not run");
    client.get("/login/notch").await;
    let reply = client.request(Method::OPTIONS, "/options-secret").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body, "OPTIONS passed",
        "a logged-in caller reaches the handler"
    );
    client.get("/logout").await;
    assert_eq!(
        client.request(Method::GET, "/options-secret").await.status,
        401
    );

    let store = web::Data::new(Store::default());
    let manager = LoginManager::new().exempt_methods([Method::HEAD]);
    let mut client = Client::new(init_service(app_with(manager, store)).await);
    assert_eq!(
        client
            .request(Method::OPTIONS, "/options-secret")
            .await
            .status,
        401
    );
    assert_eq!(
        client.request(Method::HEAD, "/options-secret").await.status,
        204
    );
}

#[actix_rt::test]
async fn anonymous_request_with_malformed_json_body_gets_401_not_400() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    let malformed = TestRequest::post()
        .uri("/echo")
        .insert_header(("content-type", "application/json"))
        .set_payload("{not json");
    assert_eq!(client.send(malformed).await.status, 401);
    let wrong_type = TestRequest::post().uri("/echo").set_payload("plain");
    assert_eq!(client.send(wrong_type).await.status, 401);
    assert_eq!(store.loads(), 0, "no session, so no loader call either");

    // Once logged in, the body extractor runs as usual.
    client.get("/login/notch").await;
    let malformed = TestRequest::post()
        .uri("/echo")
        .insert_header(("content-type", "application/json"))
        .set_payload("{not json");
    assert_eq!(client.send(malformed).await.status, 400);
    let good = TestRequest::post()
        .uri("/echo")
        .set_json(serde_json::json!({"text": "hello"}));
    let reply = client.send(good).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "hello");
}

#[actix_rt::test]
async fn fresh_guard_refuses_a_non_fresh_login() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    assert_eq!(client.get("/very-secret").await.status, 401);
    client.get("/login/notch?fresh=false").await;
    assert_eq!(client.get("/secret").await.status, 200);
    assert_eq!(client.get("/very-secret").await.status, 401);
    client.get("/login/notch").await;
    let reply = client.get("/very-secret").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "very secret");
}

#[actix_rt::test]
async fn loader_failure_is_an_opaque_500_that_keeps_the_session() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let session = client.cookies.get("id").cloned();
    store.set_failing(true);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "internal server error");
    assert!(!reply.body.contains("database"), "the cause is not leaked");
    assert!(reply.set_cookies().is_empty(), "the session cookie is kept");
    assert_eq!(client.cookies.get("id").cloned(), session);
    store.set_failing(false);
    assert_eq!(
        client.get("/secret").await.body,
        "secret for Notch",
        "still logged in"
    );
}
