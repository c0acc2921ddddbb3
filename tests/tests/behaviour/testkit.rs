//! The test kit (docs/behaviour.md B41).

use actix_web::test::{TestRequest, init_service};
use login_runtime::test::TestLogin;
use login_runtime_tests::{Client, User, default_app};

fn notch() -> User {
    User {
        id: 1,
        name: "Notch".into(),
        active: true,
    }
}

#[actix_rt::test]
async fn b_41_a_test_logs_a_user_in_without_a_login_route() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    let mut req = TestRequest::get().uri("/secret").to_request();
    TestLogin::new(notch()).attach(&mut req);
    let reply = client.send_request(req).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "secret for Notch");
    assert_eq!(
        client.get("/fresh").await.body,
        "true",
        "the session carries the login on"
    );

    let mut req = TestRequest::get().uri("/fresh").to_request();
    TestLogin::new(notch()).fresh(false).attach(&mut req);
    assert_eq!(client.send_request(req).await.body, "false");
    assert_eq!(client.get("/very-secret").await.status, 401);
}

#[actix_rt::test]
async fn b_41_nothing_a_client_sends_activates_the_kit() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    let req = TestRequest::get()
        .uri("/secret")
        .insert_header(("x-test-login", "1"))
        .insert_header(("cookie", "test_login=1"));
    assert_eq!(client.send(req).await.status, 401);
    assert_eq!(store.loads(), 0);
}

#[actix_rt::test]
async fn b_41_the_kit_records_the_client_so_session_protection_applies() {
    // Unlike Flask's test client, the kit's login records the client's fingerprint, as a real
    // login would: a later request from another client is another client.
    let store = actix_web::web::Data::new(login_runtime_tests::Store::default());
    let manager = login_runtime::LoginManager::new()
        .session_protection(login_runtime::SessionProtection::Strong);
    let app = login_runtime_tests::app_with(manager, store);
    let mut client = Client::new(init_service(app).await);
    let mut req = TestRequest::get()
        .uri("/username")
        .insert_header(("user-agent", "browser-a"))
        .to_request();
    TestLogin::new(notch()).attach(&mut req);
    assert_eq!(client.send_request(req).await.body, "Notch");
    let same = TestRequest::get()
        .uri("/username")
        .insert_header(("user-agent", "browser-a"));
    assert_eq!(client.send(same).await.body, "Notch");
    let other = TestRequest::get()
        .uri("/username")
        .insert_header(("user-agent", "browser-b"));
    assert_eq!(client.send(other).await.body, "Anonymous");
}
