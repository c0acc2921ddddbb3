//! Attacks found by a security review of the issue #7 rework, after the first round of fixes:
//! re-logins that escaped logout, a client-written forwarding header, a path-scoped remember
//! cookie on a shared browser, the CSRF token across a remember-cookie restore, an escaped
//! `next`, a stale login on a fresh-only handler via `OPTIONS`, and `login_remembered` for a
//! revoked cookie. Each failed before its fix.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::csrf::{form, submit};
use actix_session::SessionMiddleware;
use actix_session::storage::{CookieSessionStore, SessionStore};
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::SET_COOKIE;
use actix_web::test::{TestRequest, init_service, try_call_service};
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, web};
use login_runtime::{
    CurrentUser, LoginManager, MemoryRevocations, SessionProtection, login_required,
    logout_everywhere,
};
use login_runtime_tests::app::key;
use login_runtime_tests::memory_store::MemoryStore;
use login_runtime_tests::{Client, Reply, Store, User, remember_me, routes};

// ---------------------------------------------------------------------------------------------
// Fixtures.

fn sessions<S: SessionStore + 'static>(store: S) -> SessionMiddleware<S> {
    SessionMiddleware::builder(store, key())
        .cookie_secure(false)
        .build()
}

/// `/everywhere`: `logout_everywhere` for the current user.
#[get("/everywhere")]
async fn everywhere(req: HttpRequest, user: CurrentUser<User>) -> actix_web::Result<&'static str> {
    if let Some(user) = user.user() {
        logout_everywhere(&req, user).await?;
    }
    Ok("done")
}

/// `/fresh-any` (any method): `#[login_required(fresh)]`, say "change my e-mail address".
#[login_required(fresh)]
async fn fresh_any(req: HttpRequest) -> impl Responder {
    HttpResponse::Ok().body(format!("{} ran the fresh-only body", req.method()))
}

/// The fixture routes plus this file's, with `manager`, over `store`.
async fn serve<S: SessionStore + 'static>(
    manager: LoginManager<User>,
    store: S,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(sessions(store))
        .configure(routes)
        .service(form)
        .service(submit)
        .service(everywhere)
        .route("/fresh-any", web::route().to(fresh_any));
    init_service(app).await
}

fn set_cookie(reply: &Reply, name: &str) -> Option<Cookie<'static>> {
    reply.set_cookies().into_iter().find(|c| c.name() == name)
}

fn jar<S>(client: &Client<S>, name: &str) -> String {
    client
        .cookies
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

// ---------------------------------------------------------------------------------------------
// 1. A login replaced by a new login of the same user is never revoked (S2).

/// The victim logs in, a thief copies the session cookie, the victim logs in again (a bookmarked
/// login page, a "re-enter your password" step written with `login_user`) and then logs out.
/// Logout revokes only the second login id; the copy holds the first, which nothing revoked.
/// With `CookieSessionStore` (the README's store) the copy is logged in after logout.
#[actix_rt::test]
async fn s2_a_session_copy_from_before_a_relogin_is_anonymous_after_logout() {
    let app = serve(LoginManager::new(), CookieSessionStore::default()).await;
    let mut victim = Client::new(&app);
    assert_eq!(victim.get("/login/notch").await.body, "true Notch");
    let copy = jar(&victim, "id");
    assert_eq!(victim.get("/login/notch").await.body, "true Notch");
    assert_eq!(victim.get("/logout").await.body, "Anonymous");

    let mut thief = Client::with_cookies(&app, &[("id", &copy)]);
    assert_eq!(thief.get("/username").await.body, "Anonymous");
    assert_eq!(thief.get("/secret").await.status, 401);
}

/// Same with the remember cookie, on both stores: logging in again with "remember me" replaces
/// the cookie in the browser but leaves the old login id unrevoked, and logout revokes only the
/// new one. A copy of the first cookie logs in for the rest of its 14 days.
async fn remember_copy_relogin<S: SessionStore + 'static>(store: S, name: &str) {
    let app = serve(LoginManager::new().remember_me(remember_me()), store).await;
    let mut victim = Client::new(&app);
    victim.get("/login/notch?remember=true").await;
    let copy = jar(&victim, "remember_token");
    victim.get("/login/notch?remember=true").await;
    assert_ne!(jar(&victim, "remember_token"), copy, "{name}: a new cookie");
    assert_eq!(victim.get("/logout").await.body, "Anonymous", "{name}");

    let mut thief = Client::with_cookies(&app, &[("remember_token", &copy)]);
    assert_eq!(thief.get("/username").await.body, "Anonymous", "{name}");
}

#[actix_rt::test]
async fn s2_a_remember_copy_from_before_a_relogin_is_anonymous_after_logout() {
    remember_copy_relogin(CookieSessionStore::default(), "cookie store").await;
    remember_copy_relogin(MemoryStore::default(), "memory store").await;
}

// ---------------------------------------------------------------------------------------------
// 2. Trusted proxies: `Forwarded` is believed even when the proxy writes `X-Forwarded-For`.

const PROXY: &str = "127.0.0.1:40000";
const VICTIM: &str = "203.0.113.7";
const THIEF: &str = "198.51.100.9";

fn proxied(path: &str, headers: &[(&str, &str)]) -> TestRequest {
    let proxy: SocketAddr = PROXY.parse().expect("a socket address");
    let mut req = TestRequest::get().uri(path).peer_addr(proxy);
    for (name, value) in headers {
        req = req.append_header(((*name).to_owned(), (*value).to_owned()));
    }
    req
}

fn strong_behind_proxy() -> LoginManager<User> {
    LoginManager::new()
        .trusted_proxies([IpAddr::from([127, 0, 0, 1])])
        .session_protection(SessionProtection::Strong)
}

/// The proxy (nginx's `proxy_add_x_forwarded_for`, the common setup) appends the real client to
/// `X-Forwarded-For` and passes other headers through. The thief sends `Forwarded: for=<victim>`
/// themselves; before the fix the library preferred `Forwarded` whenever it was present, so the
/// whole chain it read was the thief's, and a stolen session cookie passed `Strong` protection.
/// Now only the configured header (default `X-Forwarded-For`) is read.
#[actix_rt::test]
async fn s7_a_client_written_forwarded_header_is_ignored_behind_an_x_forwarded_for_proxy() {
    let app = serve(strong_behind_proxy(), CookieSessionStore::default()).await;
    let mut victim = Client::new(&app);
    let reply = victim
        .send(proxied("/login/notch", &[("x-forwarded-for", VICTIM)]))
        .await;
    assert_eq!(reply.body, "true Notch");
    let mut thief = Client::with_cookies(&app, &[("id", &jar(&victim, "id"))]);
    // Control: the thief's own address, as the proxy reports it, is refused.
    let reply = thief
        .send(proxied("/username", &[("x-forwarded-for", THIEF)]))
        .await;
    assert_eq!(reply.body, "Anonymous", "control");

    let mut thief = Client::with_cookies(&app, &[("id", &jar(&victim, "id"))]);
    let spoof = format!("for={VICTIM}");
    let reply = thief
        .send(proxied(
            "/username",
            &[("forwarded", &spoof), ("x-forwarded-for", THIEF)],
        ))
        .await;
    assert_eq!(reply.body, "Anonymous", "the thief passed as the victim");
}

/// A proxy that speaks `Forwarded` but appends an element without `for=` (say `proto=https`):
/// before the fix the element was dropped instead of ending the walk, so the client's own `for=`
/// became the right-most entry.
#[actix_rt::test]
async fn s7_a_forwarded_element_without_for_ends_the_walk() {
    let manager = strong_behind_proxy().forwarded_header(login_runtime::ForwardedHeader::Forwarded);
    let app = serve(manager, CookieSessionStore::default()).await;
    let mut victim = Client::new(&app);
    let at_login = format!("for={VICTIM};proto=https");
    victim
        .send(proxied("/login/notch", &[("forwarded", &at_login)]))
        .await;
    let mut thief = Client::with_cookies(&app, &[("id", &jar(&victim, "id"))]);
    let spoof = format!("for={VICTIM}, proto=https");
    let reply = thief
        .send(proxied("/username", &[("forwarded", &spoof)]))
        .await;
    assert_eq!(reply.body, "Anonymous", "the thief passed as the victim");
}

// ---------------------------------------------------------------------------------------------
// 3. A path-scoped remember cookie of the previous user survives the next user's login.

/// Issue #7 item 4 with `RememberMe::path("/app")`: logout removes such a cookie "whether or not
/// the request carried it", but login removes the previous user's cookie only when the login
/// request carries it, and a browser does not send an `/app` cookie to `/login`.
#[actix_rt::test]
async fn s11_login_removes_a_previous_users_path_scoped_remember_cookie() {
    let manager = LoginManager::new().remember_me(remember_me().path("/app"));
    let app = serve(manager, CookieSessionStore::default()).await;
    let mut browser = Client::new(&app);
    browser.get("/login/notch?remember=true").await;
    // Kept by the browser for /app only: not sent to the login below.
    let mut notchs = Some(
        browser
            .cookies
            .remove("remember_token")
            .expect("a remember cookie"),
    );

    let reply = browser.get("/login/steve").await;
    assert_eq!(reply.body, "true Steve");
    if set_cookie(&reply, "remember_token").is_some() {
        notchs = None; // the browser deleted it
    }

    // Browser restart, then a page under /app (which gets the /app cookie).
    browser.cookies.remove("id");
    if let Some(cookie) = notchs {
        browser.cookies.insert("remember_token".to_owned(), cookie);
    }
    assert_eq!(
        browser.get("/username").await.body,
        "Anonymous",
        "the browser is the previous user again"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. The CSRF token survives a login restored from the remember cookie.

/// S14 rotates the token at `login_user` only. A token the attacker knows (their own session,
/// tossed into the victim's browser from a sibling domain, the threat R4 defends against)
/// survives the restore from the victim's remember cookie: the session becomes the victim's
/// login, and a same-site forged post carrying the known token is accepted as the victim.
async fn csrf_restore<S: SessionStore + 'static>(store: S, name: &str) {
    let app = serve(LoginManager::new().remember_me(remember_me()), store).await;
    let mut attacker = Client::new(&app);
    let token = attacker.get("/form").await.body;
    let attackers_session = jar(&attacker, "id");

    let mut victim = Client::new(&app);
    victim.get("/login/notch?remember=true").await;
    // Browser restart; the tossed session cookie takes the place of the victim's.
    victim
        .cookies
        .insert("id".to_owned(), attackers_session.clone());
    assert_eq!(
        victim.get("/username").await.body,
        "Notch",
        "{name}: restored"
    );

    let forged = TestRequest::post()
        .uri("/submit")
        .set_form([("csrf_token", token.as_str())]);
    let reply = victim.send(forged).await;
    assert_eq!(
        reply.status, 403,
        "{name}: forged post as Notch: {}",
        reply.body
    );
}

#[actix_rt::test]
async fn s14_the_csrf_token_is_replaced_when_the_remember_cookie_restores_a_login() {
    csrf_restore(CookieSessionStore::default(), "cookie store").await;
    csrf_restore(MemoryStore::default(), "memory store").await;
}

// ---------------------------------------------------------------------------------------------
// 5. `next_in_session`: the 1,024-byte cap is on characters, not on the stored size.

/// `\` is legal in a query and is escaped twice on its way into a cookie store's session
/// (`"\\"` in the value, `"\\\\"` in the session map), so 1,010 of them (1,020 bytes of `next`,
/// under the cap) are over 4 KB in the session: actix-session refuses to save it and the refusal
/// becomes a 500 (or, under its limit, a `Set-Cookie` past what browsers keep). A link is enough
/// to make it happen to a visitor who has a session (say, from the CSRF token of a form).
#[actix_rt::test]
async fn s10_an_escaped_next_never_grows_the_session_cookie_past_4096_bytes() {
    let manager = LoginManager::new()
        .login_view("/login")
        .next_in_session(true);
    let app = serve(manager, CookieSessionStore::default()).await;
    let mut browser = Client::new(&app);
    browser.get("/visit").await;
    let path = format!("/secret?x={}", "\\".repeat(1010));
    let req = TestRequest::get()
        .uri(&path)
        .cookie(Cookie::new("id", jar(&browser, "id")))
        .to_request();
    // The server's answer; an `Err` here is what a real server turns into a 500.
    let res = match try_call_service(&app, req).await {
        Ok(res) => res,
        Err(err) => panic!("the refusal failed (500): {err}"),
    };
    assert_eq!(res.status(), 302);
    for value in res.headers().get_all(SET_COOKIE) {
        assert!(value.len() <= 4096, "a {}-byte Set-Cookie", value.len());
    }
}

// ---------------------------------------------------------------------------------------------
// 6. An exempt method skips the freshness check.

/// `OPTIONS` is exempt from the login check, and for a logged-in caller it also skips the
/// *fresh* check: a stale login (restored from a stolen remember cookie, say) runs the body of a
/// `#[login_required(fresh)]` handler registered for every method, which `GET` refuses.
#[actix_rt::test]
async fn b_17_options_never_runs_a_fresh_only_body_for_a_stale_login() {
    let app = serve(LoginManager::new(), CookieSessionStore::default()).await;
    let mut browser = Client::new(&app);
    assert_eq!(
        browser.get("/login/notch?fresh=false").await.body,
        "true Notch"
    );
    assert_eq!(browser.get("/fresh-any").await.status, 401, "control: GET");
    let reply = browser.request(Method::OPTIONS, "/fresh-any").await;
    assert!(
        !reply.body.contains("ran the fresh-only body"),
        "{}: {}",
        reply.status,
        reply.body
    );
}

// ---------------------------------------------------------------------------------------------
// 7. `login_remembered` and a revoked remember cookie.

/// Browser Y holds notch's remember cookie. Notch logs out everywhere from browser X, then logs
/// in on Y without "remember me": the login keeps the (revoked) cookie because it is notch's own,
/// and `login_remembered` says `true` for it, while the guard would refuse that cookie.
#[actix_rt::test]
async fn s12_login_remembered_is_false_for_a_revoked_cookie() {
    let manager = LoginManager::new()
        .remember_me(remember_me())
        .revocation_store(MemoryRevocations::default());
    let app = serve(manager, CookieSessionStore::default()).await;
    let mut y = Client::new(&app);
    y.get("/login/notch?remember=true").await;
    let mut x = Client::new(&app);
    x.get("/login/notch").await;
    assert_eq!(x.get("/everywhere").await.body, "done");
    actix_rt::time::sleep(Duration::from_millis(5)).await;

    let reply = y.get("/login/notch").await;
    assert_eq!(reply.body, "true Notch");
    assert_eq!(y.get("/remembered").await.body, "false");
}

/// A session logged in as one user, carrying another user's valid remember cookie (one a
/// shared computer kept, say): that cookie is not this login's, so `login_remembered` is
/// `false`, while the session login wins (docs/behaviour.md B21).
#[actix_rt::test]
async fn s12_login_remembered_is_false_for_another_users_cookie() {
    let manager = LoginManager::new().remember_me(remember_me());
    let app = serve(manager, CookieSessionStore::default()).await;
    let mut notch = Client::new(&app);
    notch.get("/login/notch?remember=true").await;
    let cookie = notch
        .cookies
        .get("remember_token")
        .cloned()
        .expect("notch's remember cookie");
    assert_eq!(notch.get("/remembered").await.body, "true", "control");

    let mut steve = Client::new(&app);
    assert_eq!(steve.get("/login/steve").await.body, "true Steve");
    steve.cookies.insert("remember_token".to_owned(), cookie);
    assert_eq!(steve.get("/username").await.body, "Steve");
    assert_eq!(steve.get("/remembered").await.body, "false");
}
