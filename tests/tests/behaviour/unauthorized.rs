//! The unauthorized and needs-refresh flows (docs/behaviour.md B12–B16, B18–B20, B44, N13).

use std::sync::{Arc, Mutex};

use actix_web::test::{TestRequest, init_service};
use actix_web::{App, HttpResponse, web};
use login_runtime::{LoginManager, RequireLogin};
use login_runtime_tests::{Client, Store, User, app_with, routes, session_middleware};

fn store() -> web::Data<Store> {
    web::Data::new(Store::default())
}

#[actix_rt::test]
async fn b_12_login_view_query_is_kept_and_next_replaced() {
    let app = app_with(
        LoginManager::new().login_view("/login?x=1&next=%2Fold"),
        store(),
    );
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login?x=1&next=%2Fsecret"));
}

#[actix_rt::test]
async fn b_13_absolute_login_view_on_another_host_gets_the_full_url() {
    let app = app_with(
        LoginManager::new()
            .login_view("https://auth.example/login")
            .site_url("http://app.example/"),
        store(),
    );
    let mut client = Client::new(init_service(app).await);
    // The origin comes from the configuration, never from headers a client writes.
    let req = TestRequest::get()
        .uri("/secret?a=b")
        .insert_header(("host", "evil.example"))
        .insert_header(("x-forwarded-host", "evil.example"))
        .insert_header(("forwarded", "host=evil.example;proto=https"));
    let reply = client.send(req).await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("https://auth.example/login?next=http%3A%2F%2Fapp.example%2Fsecret%3Fa%3Db")
    );
}

#[actix_rt::test]
async fn b_14_next_in_session_redirects_to_the_bare_view_and_keeps_next() {
    let manager = LoginManager::new()
        .login_view("/login")
        .next_in_session(true);
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    // A visitor without a session keeps `next` in the query: a refusal creates no session.
    let reply = client.get("/secret?tab=2").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("/login?next=%2Fsecret%3Ftab%3D2")
    );
    assert!(!client.cookies.contains_key("id"), "no session was created");
    // With a session, `next` is kept in it.
    client.get("/visit").await;
    let reply = client.get("/secret?tab=2").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login"));
    assert_eq!(client.get("/next").await.body, "/secret?tab=2");
    assert_eq!(client.get("/next").await.body, "none", "taken once");
}

#[actix_rt::test]
async fn b_14_next_in_session_survives_strong_protection() {
    let manager = LoginManager::new()
        .login_view("/login")
        .next_in_session(true)
        .session_protection(login_runtime::SessionProtection::Strong);
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/visit").await;
    assert_eq!(
        client.get("/secret").await.header("location"),
        Some("/login")
    );
    client.get("/login/notch").await;
    // The session is then used from another client: Strong protection drops the login...
    let other = TestRequest::get()
        .uri("/username")
        .insert_header(("user-agent", "other"));
    assert_eq!(client.send(other).await.body, "Anonymous");
    assert_eq!(
        client.get("/username").await.body,
        "Anonymous",
        "the login is gone"
    );
    // ...but the kept `next` is still there for the login handler.
    assert_eq!(client.get("/next").await.body, "/secret");
}

#[actix_rt::test]
async fn b_15_unauthorized_handler_replaces_the_response_after_the_event() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let log = Arc::clone(&events);
    let manager = LoginManager::<User>::new()
        .login_view("/login")
        .on_event(move |_, event| seen.lock().unwrap().push(event.name()))
        .unauthorized_handler(move |req| {
            log.lock().unwrap().push("handler");
            HttpResponse::Forbidden().body(format!("go away from {}", req.path()))
        });
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, "go away from /secret");
    assert!(reply.header("location").is_none());
    assert_eq!(
        *events.lock().unwrap(),
        ["accessed", "unauthorized", "handler"]
    );
}

#[actix_rt::test]
async fn b_16_login_message_is_flashed_on_redirect() {
    let app = app_with(LoginManager::new().login_view("/login"), store());
    let mut client = Client::new(init_service(app).await);
    assert_eq!(client.get("/secret").await.status, 302);
    assert_eq!(
        client.get("/flashes").await.body,
        "message:Please log in to access this page.\n"
    );
    assert_eq!(client.get("/flashes").await.body, "", "shown once");

    let manager = LoginManager::new()
        .login_view("/login")
        .login_message("Bitte anmelden.")
        .login_message_category("warning");
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/secret").await;
    assert_eq!(
        client.get("/flashes").await.body,
        "warning:Bitte anmelden.\n"
    );

    let manager = LoginManager::new()
        .login_view("/login")
        .localize(|req, text| format!("[{}] {text}", req.path()));
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/secret").await;
    // A visitor without a session gets the message localized for the page that shows it.
    assert_eq!(
        client.get("/flashes").await.body,
        "message:[/flashes] Please log in to access this page.\n"
    );

    let manager = LoginManager::new().login_view("/login").no_login_message();
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 302);
    assert!(
        reply.set_cookies().is_empty(),
        "nothing flashed, nothing written"
    );
    assert_eq!(client.get("/flashes").await.body, "");
}

#[actix_rt::test]
async fn json_callers_get_a_401_json_body_and_htmx_gets_hx_redirect() {
    let app = app_with(LoginManager::new().login_view("/login"), store());
    let mut client = Client::new(init_service(app).await);
    let json = TestRequest::get()
        .uri("/secret")
        .insert_header(("accept", "application/json"));
    let reply = client.send(json).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "login required", "login_url": "/login?next=%2Fsecret"})
    );

    let browser = TestRequest::get()
        .uri("/secret")
        .insert_header(("accept", "text/html,application/json;q=0.9"));
    assert_eq!(client.send(browser).await.status, 302);

    let htmx = TestRequest::get()
        .uri("/secret")
        .insert_header(("hx-request", "true"));
    let reply = client.send(htmx).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("hx-redirect"), Some("/login?next=%2Fsecret"));
    assert!(reply.header("location").is_none());
}

#[actix_rt::test]
async fn b_18_fresh_guard_anonymous_stale_and_fresh() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let manager = LoginManager::<User>::new()
        .login_view("/login")
        .refresh_view("/reauth")
        .on_event(move |_, event| seen.lock().unwrap().push(event.name()));
    let mut client = Client::new(init_service(app_with(manager, store())).await);

    let reply = client.get("/very-secret").await;
    assert_eq!(
        reply.header("location"),
        Some("/login?next=%2Fvery-secret"),
        "anonymous: unauthorized"
    );

    client.get("/login/notch?fresh=false").await;
    events.lock().unwrap().clear();
    let reply = client.get("/very-secret").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("/reauth?next=%2Fvery-secret")
    );
    assert!(events.lock().unwrap().contains(&"needs_refresh"));
    assert_eq!(
        client.get("/flashes").await.body,
        "message:Please log in to access this page.\nmessage:Please reauthenticate to access this page.\n"
    );

    client.get("/login/notch").await;
    assert_eq!(client.get("/very-secret").await.body, "very secret");
}

#[actix_rt::test]
async fn b_18_without_refresh_view_a_stale_login_gets_401_and_the_handler_replaces_it() {
    let (app, _) = login_runtime_tests::default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch?fresh=false").await;
    let reply = client.get("/very-secret").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, "fresh login required");

    let manager = LoginManager::new()
        .refresh_view("/reauth")
        .needs_refresh_handler(|_| HttpResponse::Forbidden().body("reauthenticate"));
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/login/notch?fresh=false").await;
    let reply = client.get("/very-secret").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, "reauthenticate");
}

#[actix_rt::test]
async fn b_19_confirm_login_makes_the_login_fresh_and_fires_login_confirmed() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let manager = LoginManager::<User>::new().on_event(move |_, event| {
        seen.lock()
            .unwrap()
            .push((event.name(), event.user().map(|user| user.name.clone())));
    });
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/login/notch?fresh=false").await;
    assert_eq!(client.get("/very-secret").await.status, 401);
    events.lock().unwrap().clear();
    // `/confirm` asks nothing before confirming, so the event carries no user; it still fires.
    let reply = client.get("/confirm").await;
    assert_eq!(reply.body, "true");
    assert_eq!(
        reply.header("cache-control"),
        Some("no-store"),
        "it rewrote the login"
    );
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|(name, _)| *name == "login_confirmed")
    );
    assert_eq!(client.get("/very-secret").await.body, "very secret");
    assert_eq!(client.get("/fresh").await.body, "true");
}

#[actix_rt::test]
async fn b_20_require_login_guards_every_route_of_a_scope() {
    let app = App::new()
        .app_data(store())
        .wrap(LoginManager::<User>::new().login_view("/login"))
        .wrap(session_middleware())
        .configure(routes)
        .service(
            web::scope("/admin")
                .wrap(RequireLogin::new())
                .route("/a", web::get().to(|| async { "a" }))
                .route("/b", web::post().to(|| async { "b" })),
        )
        .service(
            web::scope("/vault")
                .wrap(RequireLogin::new().fresh().login_view("/vault/login"))
                .route("", web::get().to(|| async { "vault" })),
        );
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/admin/a").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login?next=%2Fadmin%2Fa"));
    let reply = client.send(TestRequest::post().uri("/admin/b")).await;
    assert_eq!(reply.header("location"), Some("/login?next=%2Fadmin%2Fb"));
    let reply = client.get("/vault").await;
    assert_eq!(
        reply.header("location"),
        Some("/vault/login?next=%2Fvault"),
        "its own login view"
    );

    client.get("/login/notch?fresh=false").await;
    assert_eq!(client.get("/admin/a").await.body, "a");
    assert_eq!(
        client.send(TestRequest::post().uri("/admin/b")).await.body,
        "b"
    );
    assert_eq!(
        client.get("/vault").await.status,
        401,
        "stale login, no refresh view"
    );
    client.get("/login/notch").await;
    assert_eq!(client.get("/vault").await.body, "vault");
}

#[actix_rt::test]
async fn require_login_without_a_manager_is_a_500() {
    let app = App::new().wrap(session_middleware()).service(
        web::scope("/admin")
            .wrap(RequireLogin::new())
            .route("", web::get().to(|| async { "a" })),
    );
    let mut client = Client::new(init_service(app).await);
    assert_eq!(client.get("/admin").await.status, 500);
}

#[actix_rt::test]
async fn take_next_without_a_kept_next_changes_nothing() {
    let manager = LoginManager::new()
        .login_view("/login")
        .next_in_session(true);
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/visit").await; // a live session, which a needless write would re-send
    let reply = client.get("/next").await;
    assert_eq!(reply.body, "none");
    assert!(
        reply.set_cookies().is_empty(),
        "no session write for nothing taken"
    );
}

/// A login route named like a Flask endpoint.
#[actix_web::get("/accounts/login", name = "login")]
async fn named_login() -> &'static str {
    "login form"
}

#[actix_rt::test]
async fn b_53_login_view_by_route_name_resolves_like_url_for() {
    let manager = LoginManager::new().login_view("login");
    let app = app_with(manager, store()).service(named_login);
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/secret?a=1").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("/accounts/login?next=%2Fsecret%3Fa%3D1")
    );
}

#[actix_rt::test]
async fn b_53_an_unknown_route_name_is_a_500_that_names_the_fix() {
    let (logs, _guard) = login_runtime_tests::logs::Logs::capture();
    let app = app_with(LoginManager::new().login_view("sign_in"), store());
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 500);
    assert!(
        logs.text().contains("is not the name of any route"),
        "{}",
        logs.text()
    );
}

#[actix_rt::test]
async fn b_53_a_relative_login_view_does_not_start() {
    use actix_web::dev::Transform;
    for view in ["login/form", "../login", "//evil.example/login", ""] {
        let started = LoginManager::<User>::new()
            .login_view(view)
            .new_transform(actix_web::test::ok_service())
            .await;
        assert!(started.is_err(), "{view:?} was accepted");
    }
    let absolute = LoginManager::<User>::new()
        .login_view("https://auth.example/login")
        .new_transform(actix_web::test::ok_service())
        .await;
    assert!(absolute.is_err(), "an absolute view needs `site_url`");
}

#[actix_rt::test]
async fn b_14_next_in_session_also_applies_to_the_refresh_redirect() {
    let manager = LoginManager::new()
        .login_view("/login")
        .refresh_view("/reauth")
        .next_in_session(true);
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    client.get("/login/notch?fresh=false").await;
    let reply = client.get("/very-secret?x=1").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("/reauth"),
        "no `next` in the URL"
    );
    assert_eq!(client.get("/next").await.body, "/very-secret?x=1");
}

#[actix_rt::test]
async fn b_16_a_needs_refresh_message_reaches_a_caller_without_a_session() {
    // A request-loader login is never fresh and has no session: the refresh redirect's message
    // travels in the marker cookie, as the login message does for a visitor.
    let manager = LoginManager::new()
        .request_loader()
        .login_view("/login")
        .refresh_view("/reauth");
    let mut client = Client::new(init_service(app_with(manager, store())).await);
    let req = TestRequest::get()
        .uri("/very-secret")
        .insert_header(("authorization", "Bearer token-1"));
    let reply = client.send(req).await;
    assert_eq!(reply.status, 302);
    assert!(!client.cookies.contains_key("id"), "no session was created");
    assert_eq!(
        client.get("/flashes").await.body,
        "message:Please reauthenticate to access this page.\n"
    );
}
