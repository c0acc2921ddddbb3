//! Logging in and out (docs/behaviour.md B1–B9, B34, B43).

use actix_web::test::init_service;
use login_runtime_tests::memory_store::MemoryStore;
use login_runtime_tests::{Client, default_app};

#[actix_rt::test]
async fn b_01_fresh_client_is_anonymous() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/username").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "Anonymous");
}

#[actix_rt::test]
async fn b_02_login_user_is_seen_by_this_and_the_next_request_and_is_fresh() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/login/notch").await;
    assert_eq!(
        reply.body, "true Notch",
        "returns true and the same request sees Notch"
    );
    assert!(client.cookies.contains_key("id"), "a session cookie is set");
    assert_eq!(client.get("/username").await.body, "Notch");
    assert_eq!(client.get("/fresh").await.body, "true");
}

#[actix_rt::test]
async fn b_03_login_with_fresh_false_is_not_fresh() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    assert_eq!(
        client.get("/login/notch?fresh=false").await.body,
        "true Notch"
    );
    assert_eq!(client.get("/fresh").await.body, "false");
    assert_eq!(client.get("/username").await.body, "Notch");
}

#[actix_rt::test]
async fn b_04_inactive_user_is_refused_unless_forced() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    let refused = client.get("/login/creeper").await;
    assert_eq!(refused.body, "false Anonymous");
    assert!(
        refused.set_cookies().is_empty(),
        "a refused login changes nothing"
    );
    assert_eq!(client.get("/username").await.body, "Anonymous");

    assert_eq!(
        client.get("/login/creeper?force=true").await.body,
        "true Creeper"
    );
    assert_eq!(
        client.get("/username").await.body,
        "Creeper",
        "a forced login lasts"
    );
}

#[actix_rt::test]
async fn b_05_logout_makes_this_and_later_requests_anonymous() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    assert_eq!(client.get("/logout").await.body, "Anonymous");
    assert_eq!(client.get("/username").await.body, "Anonymous");
    assert_eq!(client.get("/fresh").await.body, "false");
}

#[actix_rt::test]
async fn b_06_deleted_user_is_anonymous() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    store.delete(1);
    let reply = client.get("/username").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "Anonymous");
}

#[actix_rt::test]
async fn b_07_user_who_became_inactive_is_anonymous() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    store.set_active(1, false);
    assert_eq!(client.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn b_08_login_renews_the_session_id_and_the_old_one_is_dead() {
    let sessions = MemoryStore::default();
    let store = actix_web::web::Data::new(login_runtime_tests::Store::default());
    let app = actix_web::App::new()
        .app_data(store)
        .wrap(login_runtime::LoginManager::<login_runtime_tests::User>::new())
        .wrap(
            actix_session::SessionMiddleware::builder(
                sessions.clone(),
                login_runtime_tests::app::key(),
            )
            .cookie_secure(false)
            .build(),
        )
        .configure(login_runtime_tests::routes);
    let mut client = Client::new(init_service(app).await);

    // An attacker plants a session id in the victim's browser before login.
    client.get("/visit").await;
    let planted = client.cookies.get("id").cloned().expect("a session cookie");

    assert_eq!(client.get("/login/notch").await.body, "true Notch");
    let renewed = client.cookies.get("id").cloned().expect("a session cookie");
    assert_ne!(planted, renewed, "login issues a new session id");
    assert_eq!(client.get("/username").await.body, "Notch");

    // The planted id no longer leads anywhere.
    let mut attacker = Client::new(client.into_app());
    attacker.cookies.insert("id".to_owned(), planted);
    assert_eq!(attacker.get("/username").await.body, "Anonymous");
    assert_eq!(
        sessions.len(),
        1,
        "the pre-login session was deleted from the store"
    );
}

#[actix_rt::test]
async fn b_09_logging_in_as_another_user_drops_the_first() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/visit").await;
    client.get("/login/notch").await;
    assert_eq!(client.get("/login/steve").await.body, "true Steve");
    assert_eq!(client.get("/username").await.body, "Steve");
}

#[actix_rt::test]
async fn b_34_request_that_never_asks_runs_no_loader_and_sets_no_cookie() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let loads = store.loads();
    let reply = client.get("/static").await;
    assert_eq!(reply.body, "static");
    assert_eq!(store.loads(), loads, "no loader call");
    assert!(reply.headers.get("set-cookie").is_none(), "no Set-Cookie");
}

#[actix_rt::test]
async fn user_is_loaded_at_most_once_per_request() {
    let (app, store) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let loads = store.loads();
    // `/secret` has the guard and a `CurrentUser`: two askers, one load.
    assert_eq!(client.get("/secret").await.body, "secret for Notch");
    assert_eq!(store.loads(), loads + 1);
}

#[actix_rt::test]
async fn reading_the_user_sets_no_cookie() {
    let (app, _) = default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(reply.set_cookies().is_empty());
    let reply = client.get("/username").await;
    assert!(reply.set_cookies().is_empty());
}

#[actix_web::get("/both")]
async fn both(
    user: login_runtime::CurrentUser<login_runtime_tests::User>,
    again: login_runtime::Authenticated<login_runtime_tests::User>,
) -> String {
    format!("{:?} {}", user.get_id(), again.name)
}

#[actix_rt::test]
async fn two_extractors_in_one_handler_share_one_load() {
    let store = actix_web::web::Data::new(login_runtime_tests::Store::default());
    let app = actix_web::App::new()
        .app_data(store.clone())
        .wrap(login_runtime::LoginManager::<login_runtime_tests::User>::new())
        .wrap(login_runtime_tests::session_middleware())
        .configure(login_runtime_tests::routes)
        .service(both);
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    let loads = store.loads();
    // actix polls both extractors together; the contended case is unit-tested in `once.rs`.
    assert_eq!(client.get("/both").await.body, "Some(\"1\") Notch");
    assert_eq!(store.loads(), loads + 1);
}

/// `/visited`: whether the session still holds what `/visit` wrote.
#[actix_web::get("/visited")]
async fn visited(session: actix_session::Session) -> String {
    let visited = session.get::<bool>("visited").ok().flatten();
    format!("{visited:?}")
}

#[actix_rt::test]
async fn b_09_another_users_login_drops_the_session_data_and_the_same_users_keeps_it() {
    let store = actix_web::web::Data::new(login_runtime_tests::Store::default());
    let app =
        login_runtime_tests::app_with(login_runtime::LoginManager::new(), store).service(visited);
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    client.get("/visit").await;
    client.get("/login/notch").await;
    assert_eq!(
        client.get("/visited").await.body,
        "Some(true)",
        "the same user logging in again keeps their session data (a cart, say)"
    );
    client.get("/login/steve").await;
    assert_eq!(
        client.get("/visited").await.body,
        "None",
        "another user starts with none of the previous user's data"
    );
    assert_eq!(client.get("/username").await.body, "Steve");
}

/// As at login (B9), a login restored from another user's remember cookie starts with none of
/// the previous user's session data: here steve's login has timed out in a shared browser that
/// still holds notch's remember cookie.
#[actix_rt::test]
async fn b_09_a_login_restored_for_another_user_drops_the_session_data_too() {
    let store = actix_web::web::Data::new(login_runtime_tests::Store::default());
    let manager =
        login_runtime::LoginManager::new().remember_me(login_runtime_tests::remember_me());
    let app = login_runtime_tests::app_with(manager, store).service(visited);
    let app = init_service(app).await;
    let mut notch = Client::new(&app);
    notch.get("/login/notch?remember=true").await;
    let cookie = notch
        .cookies
        .get("remember_token")
        .cloned()
        .expect("notch's remember cookie");

    let mut shared = Client::new(&app);
    shared.get("/login/steve").await;
    shared.get("/visit").await;
    let timed_out = login_runtime_tests::login_record(serde_json::json!({"id": "2", "since": 1}));
    let plant = actix_web::test::TestRequest::post()
        .uri("/plant")
        .set_json(timed_out);
    assert_eq!(shared.send(plant).await.status, 200);
    assert_eq!(shared.get("/visited").await.body, "Some(true)", "control");
    shared.cookies.insert("remember_token".to_owned(), cookie);
    assert_eq!(shared.get("/username").await.body, "Notch");
    assert_eq!(shared.get("/visited").await.body, "None");
}
