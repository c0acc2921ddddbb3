//! Session protection (docs/behaviour.md B27–B30, S7): a session used from another client.
//!
//! The client is identified by its peer address and `User-Agent`, set per request here.

use std::sync::{Arc, Mutex};

use actix_session::Session;
use actix_web::cookie::Cookie;
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, get, web};
use login_runtime::{LoginManager, SessionProtection};
use login_runtime_tests::{Client, Reply, Store, User, remember_me, routes, session_middleware};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CURL: &str = "curl/8.5.0";
const HOME: &str = "127.0.0.1:1234";
const ELSEWHERE: &str = "10.9.8.7:4321";

/// `GET path` from the client with this `User-Agent` and peer address.
fn from(agent: &str, peer: &str, path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("user-agent", agent.to_owned()))
        .peer_addr(peer.parse().expect("a socket address"))
}

/// `/visited`: the app's own session key, which session protection must leave alone.
#[get("/visited")]
async fn visited(session: Session) -> String {
    match session.get::<bool>("visited") {
        Ok(Some(true)) => "visited".to_owned(),
        _ => "not visited".to_owned(),
    }
}

/// The events a manager reports, by name.
type Events = Arc<Mutex<Vec<&'static str>>>;

fn count(events: &Events, name: &str) -> usize {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|&&e| e == name)
        .count()
}

/// A client on the fixture routes plus `/visited`, with remember-me, this protection level and
/// an event recorder.
macro_rules! client {
    ($protection:expr) => {{
        let events = Events::default();
        let sink = Arc::clone(&events);
        let manager = LoginManager::<User>::new()
            .remember_me(remember_me())
            .session_protection($protection)
            .on_event(move |_req, event| sink.lock().unwrap().push(event.name()));
        let app = App::new()
            .app_data(web::Data::new(Store::default()))
            .wrap(manager)
            .wrap(session_middleware())
            .configure(routes)
            .service(visited);
        (Client::new(init_service(app).await), events)
    }};
}

fn remember_set_cookie(reply: &Reply) -> Option<Cookie<'static>> {
    reply
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.name() == "remember_token")
}

#[actix_rt::test]
async fn b_27_basic_is_the_default() {
    // No `.session_protection(..)`: another client makes the login non-fresh.
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<User>::new())
        .wrap(session_middleware())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    assert_eq!(client.send(from(CURL, HOME, "/fresh")).await.body, "false");
    assert_eq!(
        client.send(from(CURL, HOME, "/username")).await.body,
        "Notch"
    );
}

#[actix_rt::test]
async fn b_27_basic_same_client_keeps_a_fresh_login() {
    let (mut client, events) = client!(SessionProtection::Basic);
    let reply = client.send(from(FIREFOX, HOME, "/login/notch")).await;
    assert_eq!(reply.body, "true Notch");
    for _ in 0..2 {
        assert_eq!(
            client.send(from(FIREFOX, HOME, "/fresh")).await.body,
            "true"
        );
        let reply = client.send(from(FIREFOX, HOME, "/very-secret")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, "very secret");
    }
    assert_eq!(count(&events, "session_protected"), 0);
}

#[actix_rt::test]
async fn b_27_basic_another_user_agent_stays_logged_in_but_not_fresh() {
    let (mut client, events) = client!(SessionProtection::Basic);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;

    let reply = client.send(from(CURL, HOME, "/fresh")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "false", "no longer fresh");
    assert_eq!(count(&events, "session_protected"), 1);
    assert!(
        reply.set_cookies().iter().any(|c| c.name() == "id"),
        "the session now records the login as not fresh: {reply:?}"
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(remember_set_cookie(&reply).is_none(), "{reply:?}");

    assert_eq!(
        client.send(from(CURL, HOME, "/username")).await.body,
        "Notch"
    );
    assert_eq!(
        client.send(from(CURL, HOME, "/secret")).await.body,
        "secret for Notch"
    );
    let refused = client.send(from(CURL, HOME, "/very-secret")).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body, "fresh login required");

    // The login stays non-fresh, also back on the original client, until re-confirmed.
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/fresh")).await.body,
        "false"
    );
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/confirm")).await.body,
        "true"
    );
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/fresh")).await.body,
        "true"
    );
}

#[actix_rt::test]
async fn b_27_basic_another_peer_address_stays_logged_in_but_not_fresh() {
    let (mut client, events) = client!(SessionProtection::Basic);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    assert_eq!(count(&events, "session_protected"), 0);
    let reply = client.send(from(FIREFOX, ELSEWHERE, "/very-secret")).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, "fresh login required");
    assert_eq!(count(&events, "session_protected"), 1);
    assert_eq!(
        client
            .send(from(FIREFOX, ELSEWHERE, "/username"))
            .await
            .body,
        "Notch"
    );
}

#[actix_rt::test]
async fn b_28_strong_another_client_is_anonymous_and_loses_the_login() {
    let (mut client, events) = client!(SessionProtection::Strong);
    client.send(from(FIREFOX, HOME, "/visit")).await;
    let reply = client
        .send(from(FIREFOX, HOME, "/login/notch?remember=true"))
        .await;
    assert_eq!(reply.body, "true Notch");
    assert!(client.cookies.contains_key("remember_token"));
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Notch",
        "the same client is still logged in"
    );
    assert_eq!(count(&events, "session_protected"), 0);

    let reply = client.send(from(CURL, HOME, "/username")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(count(&events, "session_protected"), 1);
    let removal = remember_set_cookie(&reply).expect("the remember cookie is cleared");
    assert!(removal.value().is_empty(), "{removal:?}");
    assert_eq!(
        removal.max_age(),
        Some(actix_web::cookie::time::Duration::ZERO)
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(!client.cookies.contains_key("remember_token"));

    // The session the response left behind holds no login, even for the original client.
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Anonymous"
    );
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/secret")).await.status,
        401
    );
    // The app's own session data survives.
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/visited")).await.body,
        "visited"
    );
}

#[actix_rt::test]
async fn b_28_strong_guarded_route_from_another_client_is_unauthorized() {
    let (mut client, events) = client!(SessionProtection::Strong);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    let reply = client.send(from(FIREFOX, ELSEWHERE, "/secret")).await;
    assert_eq!(reply.status, 401);
    assert_eq!(count(&events, "session_protected"), 1);
    assert_eq!(count(&events, "unauthorized"), 1);
}

#[actix_rt::test]
async fn b_28_strong_without_remember_me_drops_the_login_uncached() {
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<User>::new().session_protection(SessionProtection::Strong))
        .wrap(session_middleware())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    let reply = client.send(from(FIREFOX, ELSEWHERE, "/username")).await;
    assert_eq!(reply.body, "Anonymous");
    assert!(
        reply.set_cookies().iter().any(|c| c.name() == "id"),
        "the session loses the login: {reply:?}"
    );
    assert!(remember_set_cookie(&reply).is_none(), "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Anonymous"
    );
}

#[actix_rt::test]
async fn b_28_strong_keeps_flashed_messages() {
    // The login view flashes the login message into the session; session protection must not
    // take it with the login.
    let manager = LoginManager::<User>::new()
        .session_protection(SessionProtection::Strong)
        .login_view("/login");
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(session_middleware())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    // Log out on the side and get redirected, so a flash is pending; then log in again.
    client.send(from(FIREFOX, HOME, "/logout")).await;
    let reply = client.send(from(FIREFOX, HOME, "/secret")).await;
    assert_eq!(reply.status, 302);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;

    let reply = client.send(from(CURL, HOME, "/username")).await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/flashes")).await.body,
        "message:Please log in to access this page.\n"
    );
}

#[actix_rt::test]
async fn b_28_strong_does_not_log_out_a_login_restored_from_the_remember_cookie() {
    // Flask-Login stores no client identifier for a remembered login, so Strong logs it out
    // again on the very next request.
    let (mut client, events) = client!(SessionProtection::Strong);
    client
        .send(from(FIREFOX, HOME, "/login/notch?remember=true"))
        .await;
    client.cookies.remove("id");

    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Notch"
    );
    assert_eq!(count(&events, "loaded_from_cookie"), 1);
    for _ in 0..2 {
        let reply = client.send(from(FIREFOX, HOME, "/username")).await;
        assert_eq!(reply.body, "Notch");
        assert!(remember_set_cookie(&reply).is_none(), "{reply:?}");
    }
    assert_eq!(count(&events, "session_protected"), 0);
    assert_eq!(
        count(&events, "loaded_from_cookie"),
        1,
        "served from the session"
    );

    // And the restored login is still protected from another client.
    let reply = client.send(from(CURL, HOME, "/username")).await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(count(&events, "session_protected"), 1);
}

#[actix_rt::test]
async fn b_29_no_check_and_no_event_without_an_identity() {
    for protection in [SessionProtection::Basic, SessionProtection::Strong] {
        let (mut client, events) = client!(protection);
        client.send(from(FIREFOX, HOME, "/visit")).await;
        let reply = client.send(from(CURL, ELSEWHERE, "/username")).await;
        assert_eq!(reply.body, "Anonymous", "{protection:?}");
        assert!(reply.set_cookies().is_empty(), "{protection:?}: {reply:?}");
        assert_eq!(
            client.send(from(CURL, ELSEWHERE, "/visited")).await.body,
            "visited",
            "{protection:?}"
        );
        assert_eq!(
            client.send(from(FIREFOX, HOME, "/visited")).await.body,
            "visited",
            "{protection:?}"
        );
        assert_eq!(count(&events, "session_protected"), 0, "{protection:?}");
    }
}

#[actix_rt::test]
async fn b_29_no_check_after_logout() {
    let (mut client, events) = client!(SessionProtection::Strong);
    client.send(from(FIREFOX, HOME, "/visit")).await;
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    client.send(from(FIREFOX, HOME, "/logout")).await;
    let reply = client.send(from(CURL, ELSEWHERE, "/username")).await;
    assert_eq!(reply.body, "Anonymous");
    assert!(reply.set_cookies().is_empty(), "{reply:?}");
    assert_eq!(count(&events, "session_protected"), 0);
}

#[actix_rt::test]
async fn b_30_off_does_no_check() {
    let (mut client, events) = client!(SessionProtection::Off);
    client
        .send(from(FIREFOX, HOME, "/login/notch?remember=true"))
        .await;
    for (agent, peer) in [(CURL, HOME), (FIREFOX, ELSEWHERE), (CURL, ELSEWHERE)] {
        assert_eq!(client.send(from(agent, peer, "/fresh")).await.body, "true");
        let reply = client.send(from(agent, peer, "/very-secret")).await;
        assert_eq!(reply.status, 200);
        let reply = client.send(from(agent, peer, "/username")).await;
        assert_eq!(reply.body, "Notch");
        assert!(reply.set_cookies().is_empty(), "{reply:?}");
    }
    assert!(client.cookies.contains_key("remember_token"));
    assert_eq!(count(&events, "session_protected"), 0);
}

#[actix_rt::test]
async fn b_28_strong_drops_the_login_of_a_permanent_session_too() {
    // Flask-Login only marks a permanent session non-fresh under `strong`; a stolen long-lived
    // session is the more valuable one to a thief, so here it loses the login all the same.
    let session = actix_session::SessionMiddleware::builder(
        actix_session::storage::CookieSessionStore::default(),
        login_runtime_tests::app::key(),
    )
    .cookie_secure(false)
    .session_lifecycle(actix_session::config::PersistentSession::default())
    .build();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<User>::new().session_protection(SessionProtection::Strong))
        .wrap(session)
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    client.send(from(FIREFOX, HOME, "/login/notch")).await;
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Notch"
    );
    assert_eq!(
        client.send(from(CURL, HOME, "/username")).await.body,
        "Anonymous"
    );
    assert_eq!(
        client.send(from(FIREFOX, HOME, "/username")).await.body,
        "Anonymous",
        "the login is gone, not just stale"
    );
}

#[actix_rt::test]
async fn s7_the_walk_passes_every_trusted_proxy_in_a_chain() {
    // Two proxies in a row (a load balancer, then nginx): the client is the right-most entry
    // that is neither. Two clients behind the same pair are two clients.
    let manager = LoginManager::<User>::new()
        .trusted_proxies(["127.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()])
        .session_protection(SessionProtection::Strong);
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(session_middleware())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    let via = |chain: &str, path: &str| {
        from(FIREFOX, HOME, path).insert_header(("x-forwarded-for", chain.to_owned()))
    };
    client
        .send(via("203.0.113.7, 10.0.0.2", "/login/notch"))
        .await;
    let reply = client.send(via("203.0.113.7, 10.0.0.2", "/username")).await;
    assert_eq!(reply.body, "Notch", "the same client through both proxies");
    let reply = client
        .send(via("198.51.100.9, 10.0.0.2", "/username"))
        .await;
    assert_eq!(
        reply.body, "Anonymous",
        "another client behind the same proxies"
    );
}
