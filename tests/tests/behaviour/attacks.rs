//! Attacks on a login, each in its own test, asserting what the attacker would notice
//! (docs/behaviour.md S2, S7–S13, B17). Each test would have passed for the attacker before the
//! security rework (bc0ac30); the comment above each says why.
//!
//! Unless a test is about a server-side store, it runs twice: with actix-session's
//! `CookieSessionStore` (the whole session in the cookie, so a copy of the cookie is a copy of
//! the session) and with the in-memory server-side `MemoryStore` (where session ids can be seen
//! to change and die).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_session::storage::{CookieSessionStore, SessionStore};
use actix_session::{Session, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::SET_COOKIE;
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, get, web};
use login_runtime::{
    CurrentUser, ForwardedHeader, LoginManager, MemoryRevocations, SessionProtection, UserMixin,
    login_fresh, logout_everywhere, user_loader,
};
use login_runtime_tests::app::key;
use login_runtime_tests::memory_store::MemoryStore;
use login_runtime_tests::{Client, Reply, Store, User, login_record, remember_me, routes};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Fixtures: the two session stores, the app, and a few routes of this file's own.

/// A session store the attacks run against.
trait Backend: SessionStore + Sized + 'static {
    /// A new, empty store, plus a handle to look inside it when it is the server-side one.
    fn create() -> (Self, Option<MemoryStore>);
}

impl Backend for CookieSessionStore {
    fn create() -> (Self, Option<MemoryStore>) {
        (Self::default(), None)
    }
}

impl Backend for MemoryStore {
    fn create() -> (Self, Option<MemoryStore>) {
        let store = Self::default();
        (store.clone(), Some(store))
    }
}

/// Runs a scenario generic over the store once with each store.
macro_rules! with_both_stores {
    ($scenario:ident) => {{
        $scenario::<CookieSessionStore>().await;
        $scenario::<MemoryStore>().await;
    }};
}

/// actix-session's middleware over `store`, as `login_runtime_tests::session_middleware` builds
/// it for the cookie store.
fn session_middleware<S: SessionStore + 'static>(store: S) -> SessionMiddleware<S> {
    SessionMiddleware::builder(store, key())
        .cookie_secure(false)
        .build()
}

/// `/fresh-first`: `login_fresh` with no extractor before it, so it is the first (and only)
/// thing in the request to ask about the login.
#[get("/fresh-first")]
async fn fresh_first(req: HttpRequest) -> String {
    login_fresh(&req).await.to_string()
}

/// `/visited`: whether this session holds the app's own key written by `/visit`; "no" for a
/// session that is gone.
#[get("/visited")]
async fn visited(session: Session) -> &'static str {
    match session.get::<bool>("visited") {
        Ok(Some(true)) => "yes",
        _ => "no",
    }
}

/// `/logout-everywhere`: `logout_everywhere` for the current user; answers with the user seen
/// afterwards in the same request.
#[get("/logout-everywhere")]
async fn everywhere(req: HttpRequest, user: CurrentUser<User>) -> actix_web::Result<String> {
    if let Some(user) = user.user() {
        logout_everywhere(&req, user).await?;
    }
    let now = CurrentUser::<User>::extract(&req).await?;
    Ok(now
        .user()
        .map_or_else(|| "Anonymous".to_owned(), |user| user.name.clone()))
}

/// The fixture routes plus this file's, with `manager`, on a new store of type `S`; returns
/// the app, its user store and, for the server-side store, a handle to look inside it.
async fn serve<S: Backend>(
    manager: LoginManager<User>,
) -> (
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
    web::Data<Store>,
    Option<MemoryStore>,
) {
    let (sessions, memory) = S::create();
    let store = web::Data::new(Store::default());
    let app = App::new()
        .app_data(store.clone())
        .wrap(manager)
        .wrap(session_middleware(sessions))
        .configure(routes)
        .service(fresh_first)
        .service(visited)
        .service(everywhere);
    (init_service(app).await, store, memory)
}

/// The fixture manager with the fixture remember-me configuration.
fn remembering() -> LoginManager<User> {
    LoginManager::new().remember_me(remember_me())
}

/// The store's name, for assertion messages.
fn name<S>() -> &'static str {
    std::any::type_name::<S>()
}

/// The `Set-Cookie` for `name` in `reply`, if any.
fn set_cookie(reply: &Reply, name: &str) -> Option<Cookie<'static>> {
    reply
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.name() == name)
}

/// Whether `cookie` tells the browser to delete it.
fn is_removal(cookie: &Cookie<'_>) -> bool {
    cookie.value().is_empty() && cookie.max_age().is_some_and(|age| age.is_zero())
}

/// The session cookie's current value in `client`'s jar.
fn session_id<S>(client: &Client<S>) -> String {
    client.cookies.get("id").cloned().expect("a session cookie")
}

/// The remember cookie's current value in `client`'s jar.
fn remember_value<S>(client: &Client<S>) -> String {
    client
        .cookies
        .get("remember_token")
        .cloned()
        .expect("a remember cookie")
}

/// Now, in Unix seconds.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

// ---------------------------------------------------------------------------------------------
// 1. Logout is final.

/// Before: logout only removed the record from the session. A cookie store keeps the session in
/// the cookie, so a copy taken while logged in still held the login after logout.
async fn session_copy_after_logout<S: Backend>() {
    let store = name::<S>();
    let (app, _, memory) = serve::<S>(remembering()).await;
    let mut victim = Client::new(&app);
    assert_eq!(
        victim.get("/login/notch").await.body,
        "true Notch",
        "{store}"
    );
    let copy = session_id(&victim);
    assert_eq!(
        Client::with_cookies(&app, &[("id", &copy)])
            .get("/username")
            .await
            .body,
        "Notch",
        "{store}: control, the copy works before logout"
    );

    assert_eq!(victim.get("/logout").await.body, "Anonymous", "{store}");

    let mut thief = Client::with_cookies(&app, &[("id", &copy)]);
    assert_eq!(thief.get("/username").await.body, "Anonymous", "{store}");
    assert_eq!(thief.get("/secret").await.status, 401, "{store}");
    if let Some(memory) = memory {
        // The pre-logout session id loads nothing: no login is stored anywhere.
        assert!(
            !memory.dump().contains("_login"),
            "{store}: {}",
            memory.dump()
        );
    }
}

#[actix_rt::test]
async fn s2_session_cookie_copied_before_logout_is_anonymous_after_it() {
    with_both_stores!(session_copy_after_logout);
}

/// Before: logout deleted the remember cookie in the browser only; a copy of it still verified
/// and restored the user.
async fn remember_copy_after_logout<S: Backend>() {
    let store = name::<S>();
    let (app, _, _) = serve::<S>(remembering()).await;
    let mut victim = Client::new(&app);
    victim.get("/login/notch?remember=true").await;
    let copy = remember_value(&victim);

    let reply = victim.get("/logout").await;
    assert!(
        set_cookie(&reply, "remember_token").is_some_and(|c| is_removal(&c)),
        "{store}: {reply:?}"
    );

    let mut thief = Client::with_cookies(&app, &[("remember_token", &copy)]);
    let reply = thief.get("/username").await;
    assert_eq!(reply.body, "Anonymous", "{store}");
    let removal = set_cookie(&reply, "remember_token")
        .unwrap_or_else(|| panic!("{store}: no removal cookie in {reply:?}"));
    assert!(is_removal(&removal), "{store}: {removal:?}");
    assert!(
        set_cookie(&reply, "id").is_none(),
        "{store}: no session is made"
    );
    assert_eq!(
        Client::with_cookies(&app, &[("remember_token", &copy)])
            .get("/secret")
            .await
            .status,
        401,
        "{store}"
    );
}

#[actix_rt::test]
async fn s2_remember_cookie_copied_before_logout_is_anonymous_and_removed() {
    with_both_stores!(remember_copy_after_logout);
}

/// Before: logout cleared the remember cookie only when the logout request carried it, and a
/// browser does not send a cookie scoped to `/app` to `/logout`, so it stayed.
async fn scoped_remember_cookie_on_logout<S: Backend>() {
    let store = name::<S>();
    let (app, _, _) = serve::<S>(LoginManager::new().remember_me(remember_me().path("/app"))).await;
    let mut victim = Client::new(&app);
    let reply = victim.get("/login/notch?remember=true").await;
    let issued = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(issued.path(), Some("/app"), "{store}");
    // The browser keeps it for /app only: it is not sent with the logout below.
    let copy = victim
        .cookies
        .remove("remember_token")
        .expect("a remember cookie");

    let reply = victim.get("/logout").await;
    assert_eq!(reply.body, "Anonymous", "{store}");
    let removal = set_cookie(&reply, "remember_token")
        .unwrap_or_else(|| panic!("{store}: no removal cookie in {reply:?}"));
    assert!(is_removal(&removal), "{store}: {removal:?}");
    assert_eq!(removal.path(), Some("/app"), "{store}: {removal:?}");

    // And the cookie, had it been kept, restores no one.
    let mut later = Client::with_cookies(&app, &[("remember_token", &copy)]);
    assert_eq!(later.get("/username").await.body, "Anonymous", "{store}");
}

#[actix_rt::test]
async fn s2_logout_removes_a_remember_cookie_scoped_to_another_path() {
    with_both_stores!(scoped_remember_cookie_on_logout);
}

// ---------------------------------------------------------------------------------------------
// 2. A new session id at every privilege change (server-side store: ids can be seen to die).

/// Asserts that `reply` set a session cookie other than `before`, and that `before` is a dead
/// session: no login, and none of the app data `/visit` wrote into it.
async fn assert_renewed<A, B>(app: &A, reply: &Reply, before: &str, what: &str)
where
    A: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let after = set_cookie(reply, "id").unwrap_or_else(|| panic!("{what}: no session cookie"));
    assert_ne!(after.value(), before, "{what}: a new session cookie");
    let mut replay = Client::with_cookies(app, &[("id", before)]);
    assert_eq!(
        replay.get("/visited").await.body,
        "no",
        "{what}: the old session is gone"
    );
    assert_eq!(replay.get("/username").await.body, "Anonymous", "{what}");
}

/// Before: the restored login was written into whatever session the browser had, so an id
/// planted in it (fixation) became a logged-in session.
#[actix_rt::test]
async fn s11_session_id_is_renewed_when_the_remember_cookie_restores_a_login() {
    let (app, _, _) = serve::<MemoryStore>(remembering()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch?remember=true").await;
    // Browser restart, then a session the attacker knows the id of.
    browser.cookies.remove("id");
    assert_eq!(browser.get("/visit").await.body, "visited");
    let planted = session_id(&browser);
    assert_eq!(
        Client::with_cookies(&app, &[("id", &planted)])
            .get("/visited")
            .await
            .body,
        "yes",
        "control: the planted id is a live session"
    );

    let reply = browser.get("/username").await;
    assert_eq!(reply.body, "Notch", "restored from the remember cookie");
    assert_renewed(&app, &reply, &planted, "restore").await;
    assert_eq!(
        browser.get("/visited").await.body,
        "yes",
        "data carried over"
    );
    assert_eq!(browser.get("/username").await.body, "Notch");
}

/// Before: `confirm_login` rewrote the record in place, so an id known before the
/// re-authentication was a fresh login after it.
#[actix_rt::test]
async fn s11_session_id_is_renewed_by_confirm_login() {
    let (app, _, _) = serve::<MemoryStore>(LoginManager::new()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch?fresh=false").await;
    browser.get("/visit").await;
    let before = session_id(&browser);

    let reply = browser.get("/confirm").await;
    assert_eq!(reply.body, "true");
    assert_renewed(&app, &reply, &before, "confirm").await;
    assert_eq!(browser.get("/fresh").await.body, "true");
}

/// Before: logout removed the record but kept the session id, so the session (and all it held)
/// lived on under an id known from before.
#[actix_rt::test]
async fn s11_session_id_is_renewed_by_logout() {
    let (app, _, _) = serve::<MemoryStore>(LoginManager::new()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch").await;
    browser.get("/visit").await;
    let before = session_id(&browser);

    let reply = browser.get("/logout").await;
    assert_eq!(reply.body, "Anonymous");
    assert_renewed(&app, &reply, &before, "logout").await;
    assert_eq!(
        browser.get("/visited").await.body,
        "yes",
        "data carried over"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Two user types.

/// Staff, logged in on `/admin` by a manager of their own.
#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
}

/// Staff member 1 exists: the same id as the customer notch.
#[user_loader]
async fn load_staff(id: u64) -> Option<Staff> {
    (id == 1).then_some(Staff { id })
}

/// `/admin/whoami`: the staff id, or "anonymous".
#[get("/whoami")]
async fn staff_whoami(staff: CurrentUser<Staff>) -> String {
    staff.get_id().unwrap_or_else(|| "anonymous".to_owned())
}

/// Before: the login record and the remember cookie held only the user id, so customer 1's
/// login was staff member 1's login on `/admin`.
async fn customer_is_no_staff<S: Backend>() {
    let store = name::<S>();
    let (sessions, _) = S::create();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(remembering())
        // The last `.wrap` runs first: the session is loaded before either manager.
        .wrap(session_middleware(sessions))
        .configure(routes)
        .service(
            web::scope("/admin")
                .wrap(LoginManager::<Staff>::new().remember_me(remember_me()))
                .service(staff_whoami),
        );
    let app = init_service(app).await;
    let mut customer = Client::new(&app);
    assert_eq!(
        customer.get("/login/notch?remember=true").await.body,
        "true Notch",
        "{store}"
    );
    let session = session_id(&customer);
    let remember = remember_value(&customer);

    // The session cookie alone, then the remember cookie alone.
    for (what, cookie) in [("id", &session), ("remember_token", &remember)] {
        let mut intruder = Client::with_cookies(&app, &[(what, cookie)]);
        let reply = intruder.get("/admin/whoami").await;
        assert_eq!(reply.status, 200, "{store}, {what}");
        assert_eq!(reply.body, "anonymous", "{store}, {what}");
        assert!(
            set_cookie(&reply, "remember_token").is_none(),
            "{store}, {what}: another manager's cookie is left alone: {reply:?}"
        );
        // Still the customer's login, untouched by the staff manager.
        assert_eq!(
            intruder.get("/username").await.body,
            "Notch",
            "{store}, {what}"
        );
    }
    // Both at once, in the customer's own browser.
    assert_eq!(
        customer.get("/admin/whoami").await.body,
        "anonymous",
        "{store}"
    );
    assert_eq!(customer.get("/username").await.body, "Notch", "{store}");
}

#[actix_rt::test]
async fn s9_a_customer_login_is_no_staff_login() {
    with_both_stores!(customer_is_no_staff);
}

// ---------------------------------------------------------------------------------------------
// 4. A shared browser.

/// Before: a login without remember-me left the previous user's remember cookie in place, so
/// after the next browser restart the browser was the previous user again.
async fn shared_browser<S: Backend>() {
    let store = name::<S>();
    let (app, _, _) = serve::<S>(remembering()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch?remember=true").await;
    assert!(browser.cookies.contains_key("remember_token"), "{store}");

    let reply = browser.get("/login/steve").await;
    assert_eq!(reply.body, "true Steve", "{store}");
    let removal = set_cookie(&reply, "remember_token")
        .unwrap_or_else(|| panic!("{store}: no removal cookie in {reply:?}"));
    assert!(is_removal(&removal), "{store}: {removal:?}");

    // Browser restart.
    browser.cookies.remove("id");
    assert_eq!(browser.get("/username").await.body, "Anonymous", "{store}");
}

#[actix_rt::test]
async fn s11_shared_browser_login_without_remember_removes_the_previous_users_cookie() {
    with_both_stores!(shared_browser);
}

// ---------------------------------------------------------------------------------------------
// 5. `login_fresh` asked first.

/// `GET path` with this `User-Agent`.
fn with_agent(path: &str, agent: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("user-agent", agent.to_owned()))
}

/// Before: `login_fresh`, when nothing had resolved the user yet, read the record's `fresh` flag
/// without any check, so it said "fresh" for a session from another client, of a deleted user,
/// or timed out, while the guard refused them.
async fn fresh_first_checks<S: Backend>() {
    let store = name::<S>();

    // Another client (Basic protection, the default).
    let (app, _, _) = serve::<S>(LoginManager::new()).await;
    let mut browser = Client::new(&app);
    browser.send(with_agent("/login/notch", "Firefox")).await;
    let reply = browser.send(with_agent("/fresh-first", "Firefox")).await;
    assert_eq!(reply.body, "true", "{store}: control, the same client");
    let reply = browser.send(with_agent("/fresh-first", "curl")).await;
    assert_eq!(reply.body, "false", "{store}: another User-Agent");

    // A deleted user.
    let (app, users, _) = serve::<S>(LoginManager::new()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch").await;
    assert_eq!(browser.get("/fresh-first").await.body, "true", "{store}");
    users.delete(1);
    assert_eq!(
        browser.get("/fresh-first").await.body,
        "false",
        "{store}: a deleted user"
    );
    assert_eq!(browser.get("/very-secret").await.status, 401, "{store}");

    // An idle timeout.
    let (app, _, _) = serve::<S>(LoginManager::new().idle_timeout(Duration::from_secs(60))).await;
    let now = unix_now();
    let mut active = Client::new(&app);
    let recent = login_record(json!({
        "lid": "a77ac5a77ac5a77ac5a77ac5a77ac501",
        "since": now - 120,
        "seen": now - 10,
    }));
    active
        .send(TestRequest::post().uri("/plant").set_json(recent))
        .await;
    assert_eq!(
        active.get("/fresh-first").await.body,
        "true",
        "{store}: control, used 10 s ago"
    );
    let mut idle = Client::new(&app);
    let stale = login_record(json!({
        "lid": "a77ac5a77ac5a77ac5a77ac5a77ac502",
        "since": now - 120,
        "seen": now - 61,
    }));
    idle.send(TestRequest::post().uri("/plant").set_json(stale))
        .await;
    assert_eq!(
        idle.get("/fresh-first").await.body,
        "false",
        "{store}: idle for 61 s"
    );
}

#[actix_rt::test]
async fn s12_login_fresh_asked_first_applies_every_check() {
    with_both_stores!(fresh_first_checks);
}

// ---------------------------------------------------------------------------------------------
// 6. Trusted proxies.

/// The proxy in front of the app.
const PROXY: &str = "127.0.0.1:40000";

/// `GET path` through the proxy, with this forwarding header.
fn proxied(path: &str, header: (&str, &str)) -> TestRequest {
    let proxy: SocketAddr = PROXY.parse().expect("a socket address");
    TestRequest::get()
        .uri(path)
        .peer_addr(proxy)
        .insert_header((header.0.to_owned(), header.1.to_owned()))
}

/// Before: behind a trusted proxy, the client was the left-most forwarding entry, which the
/// client writes itself: a thief with a stolen cookie only had to put the victim's address
/// first, and the proxy appended the thief's real one after it.
async fn spoofed_forwarding<S: Backend>() {
    let store = name::<S>();
    let manager = |forwarded| {
        LoginManager::new()
            .trusted_proxies([IpAddr::from([127, 0, 0, 1])])
            .forwarded_header(forwarded)
            .session_protection(SessionProtection::Strong)
    };
    // The proxy writes the header the manager is told about; the victim's request carries
    // what the proxy wrote, the thief's what the thief wrote plus what the proxy appended.
    let cases = [
        (
            ForwardedHeader::XForwardedFor,
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-for", "203.0.113.7, 198.51.100.9"),
        ),
        (
            ForwardedHeader::Forwarded,
            ("forwarded", "for=203.0.113.7"),
            ("forwarded", "for=203.0.113.7, for=198.51.100.9"),
        ),
    ];
    for (forwarded, at_login, (header, spoof)) in cases {
        // A new app each time: with a server-side store the thief's refused request ends the
        // shared session, as `Strong` protection should.
        let (app, _, _) = serve::<S>(manager(forwarded)).await;
        let mut victim = Client::new(&app);
        let reply = victim.send(proxied("/login/notch", at_login)).await;
        assert_eq!(reply.body, "true Notch", "{store}");
        let reply = victim.send(proxied("/username", at_login)).await;
        assert_eq!(reply.body, "Notch", "{store}: the victim, as at login");

        let mut thief = Client::with_cookies(&app, &[("id", &session_id(&victim))]);
        let reply = thief.send(proxied("/username", (header, spoof))).await;
        assert_eq!(reply.body, "Anonymous", "{store}: {header}: {spoof}");
    }
}

#[actix_rt::test]
async fn s7_a_spoofed_forwarding_entry_does_not_pass_strong_protection() {
    with_both_stores!(spoofed_forwarding);
}

// ---------------------------------------------------------------------------------------------
// 7. The fingerprint is keyed.

/// The `client` field of the one login record in `memory`.
fn stored_client(memory: &MemoryStore) -> String {
    let records = memory.login_records();
    assert_eq!(records.len(), 1, "{records:?}");
    records[0]
        .get("client")
        .cloned()
        .unwrap_or_else(|| panic!("no client fingerprint stored: {records:?}"))
}

/// Before: the fingerprint was an unkeyed SHA-256 of "address|User-Agent", so anyone who could
/// read the session (a signed-only cookie store) could brute-force the client's address.
///
/// The tests crate has no `sha2` dev-dependency to recompute SHA-256("127.0.0.1|<UA>") here, so
/// this checks the keying instead: two apps with different keys store different fingerprints
/// for the very same request, which an unkeyed hash cannot do.
#[actix_rt::test]
async fn s7_client_fingerprint_is_keyed_by_the_app_key() {
    let mut fingerprints = Vec::new();
    for app_key in [[1u8; 64], [2u8; 64]] {
        let app_key = actix_web::cookie::Key::from(&app_key);
        let (app, _, memory) = serve::<MemoryStore>(LoginManager::new().secret_key(&app_key)).await;
        let memory = memory.expect("a server-side store");
        let peer: SocketAddr = "127.0.0.1:5555".parse().expect("a socket address");
        let reply = Client::new(&app)
            .send(with_agent("/login/notch", "Firefox").peer_addr(peer))
            .await;
        assert_eq!(reply.body, "true Notch");
        let client = stored_client(&memory);
        assert!(
            !client.is_empty() && client.bytes().all(|b| b.is_ascii_hexdigit()),
            "{client}"
        );
        fingerprints.push(client);
    }
    assert_ne!(fingerprints[0], fingerprints[1], "{fingerprints:?}");
}

// ---------------------------------------------------------------------------------------------
// 8. Refusals write nothing.

/// Before: every refusal flashed the login message into a session, so each cookie-less request
/// created one: strangers could fill a server-side store.
#[actix_rt::test]
async fn s10_refused_visitors_create_no_sessions() {
    let (app, _, memory) = serve::<MemoryStore>(LoginManager::new().login_view("/login")).await;
    let memory = memory.expect("a server-side store");
    for attempt in 0..50 {
        let reply = Client::new(&app).get("/secret").await;
        assert_eq!(reply.status, 302, "attempt {attempt}");
        assert_eq!(
            reply.header("location"),
            Some("/login?next=%2Fsecret"),
            "attempt {attempt}"
        );
        if attempt == 0 {
            let names: Vec<String> = reply
                .set_cookies()
                .iter()
                .map(|cookie| cookie.name().to_owned())
                .collect();
            assert_eq!(names, ["login_message"], "{reply:?}");
        }
    }
    assert!(memory.is_empty(), "{} sessions stored", memory.len());
}

/// Before: with `next_in_session`, any `next` went into the session; with a cookie store, a long
/// URL pushed the session cookie past what the store accepts, and the refusal became a 500.
async fn huge_next<S: Backend>() {
    let store = name::<S>();
    let (app, _, _) = serve::<S>(
        LoginManager::new()
            .login_view("/login")
            .next_in_session(true),
    )
    .await;
    let mut browser = Client::new(&app);
    browser.get("/visit").await;

    // Control: a short `next` is kept in the session.
    let reply = browser.get("/secret?x=short").await;
    assert_eq!(reply.header("location"), Some("/login"), "{store}");
    assert_eq!(
        browser.get("/next").await.body,
        "/secret?x=short",
        "{store}"
    );

    let path = format!("/secret?x={}", "a".repeat(6000));
    let reply = browser.get(&path).await;
    assert_eq!(reply.status, 302, "{store}: {}", reply.body);
    for value in reply.headers.get_all(SET_COOKIE) {
        assert!(
            value.len() <= 4096,
            "{store}: a {}-byte Set-Cookie",
            value.len()
        );
    }
    let location = reply.header("location").unwrap_or_default();
    assert!(
        location.starts_with("/login?next=%2Fsecret%3Fx%3Daaaa"),
        "{store}: the long `next` goes in the query: {location:.60}"
    );
    assert_eq!(browser.get("/next").await.body, "none", "{store}");
}

#[actix_rt::test]
async fn s10_a_huge_next_never_grows_a_cookie_past_4096_bytes() {
    with_both_stores!(huge_next);
}

// ---------------------------------------------------------------------------------------------
// 9. Panicking refusal handlers.

/// Before: a panic in the app's refusal handler was not caught by the library: it unwound
/// through the request (here, through the test).
async fn panicking_handlers<S: Backend>() {
    let store = name::<S>();
    let manager = LoginManager::new()
        .unauthorized_handler(|_: &HttpRequest| -> HttpResponse {
            panic!("a bug in the unauthorized handler")
        })
        .needs_refresh_handler(|_: &HttpRequest| -> HttpResponse {
            panic!("a bug in the needs-refresh handler")
        });
    let (app, _, _) = serve::<S>(manager).await;
    let mut browser = Client::new(&app);

    assert_eq!(browser.get("/secret").await.status, 500, "{store}");
    assert_eq!(
        browser.get("/static").await.body,
        "static",
        "{store}: the app keeps serving"
    );
    assert_eq!(
        browser.get("/login/notch?fresh=false").await.body,
        "true Notch",
        "{store}"
    );
    assert_eq!(browser.get("/very-secret").await.status, 500, "{store}");
    assert_eq!(
        browser.get("/secret").await.body,
        "secret for Notch",
        "{store}"
    );
    assert_eq!(browser.get("/username").await.body, "Notch", "{store}");
}

#[actix_rt::test]
async fn s13_a_panicking_refusal_handler_is_a_500_and_the_app_keeps_serving() {
    with_both_stores!(panicking_handlers);
}

// ---------------------------------------------------------------------------------------------
// 10. Exempt methods.

/// Before: an exempt method skipped the guard entirely, so an anonymous `OPTIONS` ran the
/// guarded handler's body ("OPTIONS passed").
async fn options_to_guarded<S: Backend>() {
    let store = name::<S>();
    let (app, _, _) = serve::<S>(LoginManager::new()).await;
    let mut visitor = Client::new(&app);
    let reply = visitor.request(Method::OPTIONS, "/options-secret").await;
    assert_eq!(reply.status, 204, "{store}");
    assert_eq!(reply.body, "", "{store}");
    assert_eq!(
        visitor.request(Method::GET, "/options-secret").await.status,
        401,
        "{store}"
    );

    // A logged-in caller reaches the handler.
    visitor.get("/login/notch").await;
    let reply = visitor.request(Method::OPTIONS, "/options-secret").await;
    assert_eq!(reply.body, "OPTIONS passed", "{store}");
}

#[actix_rt::test]
async fn b_17_options_to_a_guarded_handler_never_runs_its_body_for_a_visitor() {
    with_both_stores!(options_to_guarded);
}

// ---------------------------------------------------------------------------------------------
// 11. Log out everywhere.

/// Before: there was no `logout_everywhere`: a logout ended one browser's login only, and with a
/// cookie store or a remember cookie not even that one's copies.
async fn everywhere_scenario<S: Backend>() {
    let store = name::<S>();
    // A revocation store of its own: the default one is shared by the whole process, and
    // "every login of notch" would end the other tests' notch logins running alongside.
    let manager = remembering().revocation_store(MemoryRevocations::default());
    let (app, _, _) = serve::<S>(manager).await;
    let mut laptop = Client::new(&app);
    let mut phone = Client::new(&app);
    let mut other_user = Client::new(&app);
    laptop.get("/login/notch?remember=true").await;
    phone.get("/login/notch").await;
    other_user.get("/login/steve?remember=true").await;
    let session = session_id(&laptop);
    let remember = remember_value(&laptop);

    assert_eq!(
        phone.get("/logout-everywhere").await.body,
        "Anonymous",
        "{store}: the phone's own login ends at once"
    );

    assert_eq!(
        Client::with_cookies(&app, &[("id", &session)])
            .get("/username")
            .await
            .body,
        "Anonymous",
        "{store}: the laptop's session"
    );
    let reply = Client::with_cookies(&app, &[("remember_token", &remember)])
        .get("/username")
        .await;
    assert_eq!(
        reply.body, "Anonymous",
        "{store}: the laptop's remember cookie"
    );
    assert!(
        set_cookie(&reply, "remember_token").is_some_and(|c| is_removal(&c)),
        "{store}: {reply:?}"
    );
    assert_eq!(laptop.get("/username").await.body, "Anonymous", "{store}");
    assert_eq!(phone.get("/username").await.body, "Anonymous", "{store}");
    assert_eq!(
        other_user.get("/username").await.body,
        "Steve",
        "{store}: another user's login stays"
    );

    // A new login right away is not caught by the revocation (see the test below).
    assert_eq!(
        laptop.get("/login/notch?remember=true").await.body,
        "true Notch",
        "{store}"
    );
    assert_eq!(laptop.get("/username").await.body, "Notch", "{store}");
    laptop.cookies.remove("id");
    assert_eq!(
        laptop.get("/username").await.body,
        "Notch",
        "{store}: and its new remember cookie works"
    );
}

#[actix_rt::test]
async fn s8_logout_everywhere_ends_the_users_logins_on_every_device() {
    with_both_stores!(everywhere_scenario);
}

/// `/reset-password`: the "sign out everywhere else" pattern: end every login of the current
/// user, then log them in again on this device, in one request.
#[get("/reset-password")]
async fn reset_password(req: HttpRequest, user: CurrentUser<User>) -> actix_web::Result<String> {
    let Some(user) = user.user().cloned() else {
        return Ok("Anonymous".to_owned());
    };
    logout_everywhere(&req, &user).await?;
    // notch is active: the login goes through (checked on the next request).
    let _logged_in = login_runtime::login_user(&req, &user)?;
    Ok("reset".to_owned())
}

/// Before: `logout_everywhere` revoked logins authenticated at or before the current
/// millisecond, and `login_user` stamped the new login with the current millisecond, so a login
/// made in the same request (or any request within that millisecond) was revoked on its next
/// request. Now logins are stamped with the process's strictly increasing authentication clock,
/// and the revocation covers only what was stamped before it. Each round failed with a
/// probability of about 97%; twenty rounds make the test fail reliably should it come back.
async fn relogin_after_everywhere<S: Backend>() {
    let store = name::<S>();
    let (sessions, _) = S::create();
    let manager = remembering().revocation_store(MemoryRevocations::default());
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(session_middleware(sessions))
        .configure(routes)
        .service(reset_password);
    let app = init_service(app).await;
    for round in 0..20 {
        // Clear of the previous round's revocation.
        actix_rt::time::sleep(Duration::from_millis(2)).await;
        let mut browser = Client::new(&app);
        browser.get("/login/notch?remember=true").await;
        assert_eq!(
            browser.get("/reset-password").await.body,
            "reset",
            "{store}, round {round}"
        );
        assert_eq!(
            browser.get("/username").await.body,
            "Notch",
            "{store}, round {round}: the login made after `logout_everywhere`"
        );
    }
}

#[actix_rt::test]
async fn s8_a_login_right_after_logout_everywhere_survives() {
    with_both_stores!(relogin_after_everywhere);
}
