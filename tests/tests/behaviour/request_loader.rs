//! The request loader (docs/behaviour.md B31–B33, Q1, Q2).

use std::sync::{Arc, Mutex};

use actix_web::test::{TestRequest, init_service};
use actix_web::web;
use login_runtime::LoginManager;
use login_runtime_tests::{Client, Store, User, app_with};

fn bearer(path: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {token}")))
}

#[actix_rt::test]
async fn b_31_request_loader_user_is_authenticated_for_that_request_only() {
    let store = web::Data::new(Store::default());
    let app = app_with(LoginManager::new().request_loader(), store);
    let mut client = Client::new(init_service(app).await);
    let reply = client.send(bearer("/secret", "token-2")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "secret for Steve");
    assert!(
        reply.set_cookies().is_empty(),
        "no session write, no cookie"
    );
    assert!(client.cookies.is_empty());
    assert_eq!(
        client.send(bearer("/fresh", "token-2")).await.body,
        "false",
        "never fresh"
    );
    assert_eq!(
        client.send(bearer("/very-secret", "token-2")).await.status,
        401
    );
    assert_eq!(
        client.get("/username").await.body,
        "Anonymous",
        "the next request without the header"
    );
}

#[actix_rt::test]
async fn b_32_unknown_or_malformed_token_is_anonymous_and_the_session_wins() {
    let store = web::Data::new(Store::default());
    let app = app_with(LoginManager::new().request_loader(), store);
    let mut client = Client::new(init_service(app).await);
    for token in [
        "token-404",
        "garbage",
        "token-",
        "token-01x",
        &"x".repeat(8000),
    ] {
        let reply = client.send(bearer("/username", token)).await;
        assert_eq!(reply.status, 200, "{token}");
        assert_eq!(reply.body, "Anonymous", "{token}");
    }
    let duplicated = TestRequest::get()
        .uri("/username")
        .append_header(("authorization", "Bearer token-1"))
        .append_header(("authorization", "Bearer token-2"));
    assert_eq!(client.send(duplicated).await.status, 200);

    client.get("/login/notch").await;
    assert_eq!(
        client.send(bearer("/username", "token-2")).await.body,
        "Notch"
    );
}

#[actix_rt::test]
async fn b_33_loaded_from_request_fires() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let manager = LoginManager::<User>::new()
        .request_loader()
        .on_event(move |_, event| seen.lock().unwrap().push(event.name()));
    let app = app_with(manager, web::Data::new(Store::default()));
    let mut client = Client::new(init_service(app).await);
    client.send(bearer("/username", "token-1")).await;
    assert_eq!(*events.lock().unwrap(), ["loaded_from_request", "accessed"]);
    events.lock().unwrap().clear();
    client.send(bearer("/username", "token-404")).await;
    assert_eq!(*events.lock().unwrap(), ["accessed"]);
}

#[actix_rt::test]
async fn an_invalid_remember_cookie_does_not_stop_the_request_loader() {
    let store = web::Data::new(Store::default());
    let manager = LoginManager::new()
        .request_loader()
        .remember_me(login_runtime_tests::remember_me());
    let mut client = Client::new(init_service(app_with(manager, store)).await);
    client
        .cookies
        .insert("remember_token".to_owned(), "forged".to_owned());
    let reply = client.send(bearer("/username", "token-1")).await;
    assert_eq!(reply.body, "Notch");
}
