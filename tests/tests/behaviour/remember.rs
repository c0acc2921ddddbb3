//! The remember-me cookie (docs/behaviour.md B21–B26) and its security properties R1–R5, C2
//! and C3.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, Key, SameSite};
use actix_web::dev::Transform;
use actix_web::test::{TestRequest, init_service, ok_service};
use actix_web::web;
use login_runtime::{LoginManager, RememberMe};
use login_runtime_tests::app::key;
use login_runtime_tests::logs::Logs;
use login_runtime_tests::{Client, Reply, Store, User, app_with, remember_me};

/// The default remember duration: 14 days.
const FOURTEEN_DAYS: i64 = 14 * 24 * 60 * 60;

/// A client on the fixture app with `$manager`, and the app's user store.
macro_rules! client {
    ($manager:expr) => {{
        let store = web::Data::new(Store::default());
        let app = app_with($manager, store.clone());
        (Client::new(init_service(app).await), store)
    }};
}

/// The fixture manager with the fixture remember-me configuration.
fn remembering() -> LoginManager<User> {
    LoginManager::new().remember_me(remember_me())
}

/// The Set-Cookie for `name` in `reply`, if any.
fn set_cookie(reply: &Reply, name: &str) -> Option<Cookie<'static>> {
    reply
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.name() == name)
}

/// The raw Set-Cookie header for `name`, to check attributes are written explicitly.
fn raw_set_cookie(reply: &Reply, name: &str) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no Set-Cookie for {name}: {reply:?}"))
        .to_owned()
}

/// Whether `cookie` tells the browser to delete it.
fn is_removal(cookie: &Cookie<'_>) -> bool {
    cookie.value().is_empty() && cookie.max_age() == Some(CookieDuration::ZERO)
}

/// The events a manager reports, by name.
type Events = Arc<Mutex<Vec<&'static str>>>;

fn recording(manager: LoginManager<User>) -> (LoginManager<User>, Events) {
    let events = Events::default();
    let sink = Arc::clone(&events);
    let manager = manager.on_event(move |_req, event| sink.lock().unwrap().push(event.name()));
    (manager, events)
}

fn count(events: &Events, name: &str) -> usize {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|&&e| e == name)
        .count()
}

#[actix_rt::test]
async fn b_21_remember_cookie_restores_a_non_fresh_login_after_a_browser_restart() {
    let (mut client, _) = client!(remembering());
    let reply = client.get("/login/notch?remember=true").await;
    assert_eq!(reply.body, "true Notch");
    assert!(
        client.cookies.contains_key("remember_token"),
        "a remember cookie is set: {reply:?}"
    );

    // Browser restart: the session cookie is gone, the remember cookie stays.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");
    assert_eq!(
        client.get("/fresh").await.body,
        "false",
        "restored, not fresh"
    );
    let refused = client.get("/very-secret").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body, "fresh login required");
    assert_eq!(client.get("/remembered").await.body, "true");
    assert_eq!(client.get("/secret").await.body, "secret for Notch");

    // Restored on the very first request, too, and not fresh there either.
    client.cookies.remove("id");
    assert_eq!(client.get("/fresh").await.body, "false");
}

#[actix_rt::test]
async fn b_21_login_without_remember_is_gone_after_a_browser_restart() {
    let (mut client, _) = client!(remembering());
    let reply = client.get("/login/notch").await;
    assert!(set_cookie(&reply, "remember_token").is_none(), "{reply:?}");
    assert_eq!(client.get("/remembered").await.body, "false");
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Anonymous");
}

#[actix_rt::test]
async fn b_22_default_remember_cookie_attributes() {
    // No `.secure(false)`: the library's own defaults.
    let (mut client, _) = client!(LoginManager::new().remember_me(RememberMe::new(&key())));
    let reply = client.get("/login/notch?remember=true").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember_token cookie");
    assert!(!cookie.value().is_empty());
    assert_eq!(cookie.http_only(), Some(true), "HttpOnly");
    assert_eq!(cookie.path(), Some("/"), "Path=/");
    assert_eq!(cookie.same_site(), Some(SameSite::Lax), "SameSite=Lax");
    assert_eq!(cookie.secure(), Some(true), "Secure by default");
    assert_eq!(cookie.domain(), None, "host-only by default");
    assert_eq!(
        cookie.max_age(),
        Some(CookieDuration::seconds(FOURTEEN_DAYS))
    );
    let raw = raw_set_cookie(&reply, "remember_token");
    assert!(raw.contains("SameSite=Lax"), "written explicitly: {raw}");
    assert!(raw.contains("HttpOnly"), "{raw}");
    assert!(raw.contains("Secure"), "{raw}");

    // The cookie it set restores the user.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");
}

#[actix_rt::test]
async fn b_22_remember_cookie_is_configurable() {
    let remember = RememberMe::new(&key())
        .name("keep_me")
        .duration(Duration::from_secs(3600))
        .domain("example.test")
        .path("/app")
        .secure(true)
        .http_only(false)
        .same_site(SameSite::Strict);
    let (mut client, _) = client!(LoginManager::new().remember_me(remember));
    let reply = client.get("/login/notch?remember=true").await;
    assert!(set_cookie(&reply, "remember_token").is_none(), "{reply:?}");
    let cookie = set_cookie(&reply, "keep_me").expect("a keep_me cookie");
    assert_eq!(cookie.max_age(), Some(CookieDuration::seconds(3600)));
    assert_eq!(cookie.domain(), Some("example.test"));
    assert_eq!(cookie.path(), Some("/app"));
    assert_eq!(cookie.secure(), Some(true));
    assert_ne!(cookie.http_only(), Some(true), "HttpOnly turned off");
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));

    // Read back under its configured name.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");

    // The fixture turns `Secure` off for plain-HTTP tests.
    let (mut client, _) = client!(remembering());
    let reply = client.get("/login/notch?remember=true").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember_token cookie");
    assert_ne!(cookie.secure(), Some(true), "Secure turned off");
    let raw = raw_set_cookie(&reply, "remember_token");
    assert!(!raw.contains("Secure"), "{raw}");
}

#[actix_rt::test]
async fn b_22_per_login_duration_overrides_the_default() {
    let (mut client, _) = client!(remembering());
    let reply = client.get("/login/notch?remember=true&duration=60").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(cookie.max_age(), Some(CookieDuration::seconds(60)));
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");

    let reply = client.get("/login/steve?remember=true").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(
        cookie.max_age(),
        Some(CookieDuration::seconds(FOURTEEN_DAYS)),
        "without a per-login duration, the configured one"
    );
}

#[actix_rt::test]
async fn remember_duration_is_capped_at_400_days() {
    let four_hundred_days = 400 * 24 * 60 * 60;
    let (mut client, _) = client!(
        LoginManager::new()
            .remember_me(remember_me().duration(Duration::from_secs(10 * 365 * 24 * 60 * 60)))
    );
    let reply = client.get("/login/notch?remember=true").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(
        cookie.max_age(),
        Some(CookieDuration::seconds(four_hundred_days))
    );
    let reply = client
        .get("/login/notch?remember=true&duration=999999999")
        .await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(
        cookie.max_age(),
        Some(CookieDuration::seconds(four_hundred_days))
    );
}

#[actix_rt::test]
async fn b_23_logout_deletes_the_remember_cookie_with_the_same_attributes() {
    let remember = RememberMe::new(&key())
        .domain("example.test")
        .path("/app")
        .same_site(SameSite::Strict);
    let (mut client, _) = client!(LoginManager::new().remember_me(remember));
    let issued = client.get("/login/notch?remember=true").await;
    let issued = set_cookie(&issued, "remember_token").expect("a remember cookie");

    let reply = client.get("/logout").await;
    assert_eq!(reply.body, "Anonymous");
    let removal = set_cookie(&reply, "remember_token").expect("a removal cookie");
    assert!(is_removal(&removal), "{removal:?}");
    assert_eq!(removal.path(), issued.path());
    assert_eq!(removal.path(), Some("/app"));
    assert_eq!(removal.domain(), issued.domain());
    assert_eq!(removal.domain(), Some("example.test"));
    assert_eq!(removal.secure(), Some(true));
    assert_eq!(removal.same_site(), Some(SameSite::Strict));
    assert!(!client.cookies.contains_key("remember_token"));

    // A session-less request afterwards is still logged out.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Anonymous");
    assert_eq!(client.get("/secret").await.status, 401);
}

#[actix_rt::test]
async fn b_23_logout_of_a_restored_login_deletes_the_remember_cookie() {
    let (mut client, _) = client!(remembering());
    client.get("/login/notch?remember=true").await;
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");
    let reply = client.get("/logout").await;
    let removal = set_cookie(&reply, "remember_token").expect("a removal cookie");
    assert!(is_removal(&removal), "{removal:?}");
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Anonymous");
}

/// Logs notch in with remember-me and returns the remember cookie's value.
async fn remembered_value<S, B>(client: &mut Client<S>) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let reply = client.get("/login/notch?remember=true").await;
    assert_eq!(reply.body, "true Notch");
    set_cookie(&reply, "remember_token")
        .expect("a remember cookie")
        .value()
        .to_owned()
}

#[actix_rt::test]
async fn b_24_tampered_truncated_extended_or_unknown_remember_cookie_is_refused() {
    let (mut client, store) = client!(remembering());
    let value = remembered_value(&mut client).await;

    let mut flipped = value.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("base64 is ASCII");
    let variants = [
        ("flipped byte", flipped),
        ("truncated", value[..value.len() - 1].to_owned()),
        ("truncated by half", value[..value.len() / 2].to_owned()),
        ("extended", format!("{value}AAAA")),
        ("flask-login format", format!("1|{}", "ab".repeat(64))),
        ("plain id", "1".to_owned()),
        ("plaintext payload", "1|0|99999999999|1".to_owned()),
        ("oversized", "A".repeat(5000)),
    ];
    for (what, variant) in variants {
        client.cookies.clear();
        client.cookies.insert("remember_token".to_owned(), variant);
        let loads = store.loads();
        let reply = client.get("/username").await;
        assert_eq!(reply.status, 200, "{what}");
        assert_eq!(reply.body, "Anonymous", "{what}");
        assert_eq!(store.loads(), loads, "{what}: the loader is not called");
        let removal = set_cookie(&reply, "remember_token")
            .unwrap_or_else(|| panic!("{what}: no removal cookie in {reply:?}"));
        assert!(is_removal(&removal), "{what}: {removal:?}");
        assert_eq!(removal.path(), Some("/"), "{what}");
        assert_eq!(
            reply.header("cache-control"),
            Some("no-store"),
            "{what}: a response that clears an auth cookie is not cached"
        );
        assert!(!client.cookies.contains_key("remember_token"), "{what}");
    }

    // The untouched value still works, so the refusals above were about the changes.
    client.cookies.clear();
    client.cookies.insert("remember_token".to_owned(), value);
    assert_eq!(client.get("/username").await.body, "Notch");
}

#[actix_rt::test]
async fn b_24_guarded_route_with_a_tampered_remember_cookie_is_unauthorized() {
    let (mut client, store) = client!(remembering());
    let value = remembered_value(&mut client).await;
    client.cookies.clear();
    client
        .cookies
        .insert("remember_token".to_owned(), format!("{value}x"));
    let loads = store.loads();
    let reply = client.get("/secret").await;
    assert_eq!(reply.status, 401);
    assert_eq!(store.loads(), loads);
    let removal = set_cookie(&reply, "remember_token").expect("a removal cookie");
    assert!(is_removal(&removal), "{removal:?}");
}

#[actix_rt::test]
async fn b_24_expired_payload_replayed_without_browser_expiry_is_refused() {
    let (mut client, store) = client!(remembering());
    let reply = client.get("/login/notch?remember=true&duration=2").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(cookie.max_age(), Some(CookieDuration::seconds(2)));
    let value = cookie.value().to_owned();

    // Within its lifetime it works.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");

    // After it: the browser would have dropped it; an attacker replays it anyway.
    actix_rt::time::sleep(Duration::from_millis(3100)).await;
    client.cookies.clear();
    client.cookies.insert("remember_token".to_owned(), value);
    let loads = store.loads();
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(store.loads(), loads, "the loader is not called");
    let removal = set_cookie(&reply, "remember_token").expect("a removal cookie");
    assert!(is_removal(&removal), "{removal:?}");
}

#[actix_rt::test]
async fn remember_cookie_of_a_deleted_user_is_anonymous_and_removed() {
    let (mut client, store) = client!(remembering());
    client.get("/login/notch?remember=true").await;
    store.delete(1);
    client.cookies.remove("id");
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    let removal = set_cookie(&reply, "remember_token").expect("a removal cookie");
    assert!(is_removal(&removal), "{removal:?}");
}

#[actix_rt::test]
async fn remember_cookie_from_another_app_key_is_refused() {
    let (mut other, _) = client!(
        LoginManager::new().remember_me(RememberMe::new(&Key::from(&[9u8; 64])).secure(false))
    );
    let foreign = remembered_value(&mut other).await;

    let (mut client, store) = client!(remembering());
    client.cookies.insert("remember_token".to_owned(), foreign);
    let loads = store.loads();
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(store.loads(), loads);
    assert!(set_cookie(&reply, "remember_token").is_some_and(|c| is_removal(&c)));
}

#[actix_rt::test]
async fn remember_cookie_is_bound_to_its_name() {
    // The same value under another configured name does not verify: the name is authenticated.
    let (mut client, _) = client!(remembering());
    let value = remembered_value(&mut client).await;
    let (mut renamed, store) =
        client!(LoginManager::new().remember_me(remember_me().name("other_token")));
    renamed.cookies.insert("other_token".to_owned(), value);
    let loads = store.loads();
    assert_eq!(renamed.get("/username").await.body, "Anonymous");
    assert_eq!(store.loads(), loads);
}

#[actix_rt::test]
async fn b_25_refresh_each_request_reissues_an_existing_remember_cookie() {
    let (mut client, _) =
        client!(LoginManager::new().remember_me(remember_me().refresh_each_request(true)));
    let first = remembered_value(&mut client).await;

    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    let refreshed = set_cookie(&reply, "remember_token").expect("a re-issued remember cookie");
    assert!(!is_removal(&refreshed), "{refreshed:?}");
    assert_ne!(refreshed.value(), first, "a new cookie value");
    assert_eq!(
        refreshed.max_age(),
        Some(CookieDuration::seconds(FOURTEEN_DAYS)),
        "a new expiry"
    );
    assert_eq!(refreshed.path(), Some("/"));
    assert_eq!(refreshed.http_only(), Some(true));
    assert_eq!(refreshed.same_site(), Some(SameSite::Lax));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    // The re-issued cookie restores the user.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");

    // A request that never resolves the user refreshes nothing.
    let reply = client.get("/static").await;
    assert!(reply.set_cookies().is_empty(), "{reply:?}");
}

#[actix_rt::test]
async fn b_25_refresh_each_request_never_creates_a_remember_cookie() {
    let (mut client, _) =
        client!(LoginManager::new().remember_me(remember_me().refresh_each_request(true)));
    client.get("/login/notch").await;
    for path in ["/username", "/secret", "/fresh"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            set_cookie(&reply, "remember_token").is_none(),
            "{path}: {reply:?}"
        );
    }
    assert!(!client.cookies.contains_key("remember_token"));
}

#[actix_rt::test]
async fn b_25_without_refresh_each_request_the_cookie_is_not_reissued() {
    let (mut client, _) = client!(remembering());
    client.get("/login/notch?remember=true").await;
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(set_cookie(&reply, "remember_token").is_none(), "{reply:?}");
}

/// A session logged in as steve, carrying notch's remember cookie: refreshing must not give
/// notch's cookie a new lease on steve's requests.
#[actix_rt::test]
async fn b_25_refresh_never_reissues_another_users_cookie() {
    let manager = LoginManager::new().remember_me(remember_me().refresh_each_request(true));
    let app = init_service(app_with(manager, web::Data::new(Store::default()))).await;
    let mut notch = Client::new(&app);
    let notchs = remembered_value(&mut notch).await;

    let mut steve = Client::new(&app);
    assert_eq!(steve.get("/login/steve").await.body, "true Steve");
    steve.cookies.insert("remember_token".to_owned(), notchs);
    let reply = steve.get("/username").await;
    assert_eq!(reply.body, "Steve");
    assert!(set_cookie(&reply, "remember_token").is_none(), "{reply:?}");
}

/// A logout that finds no login in the session (it expired, or the browser dropped it) still
/// deletes the remember cookie the request carries: it is revoked, and the browser should not
/// keep a dead credential either.
#[actix_rt::test]
async fn b_23_logout_with_only_the_remember_cookie_deletes_it() {
    let (mut client, _) = client!(remembering());
    remembered_value(&mut client).await;
    client.cookies.remove("id");
    let reply = client.get("/logout").await;
    assert_eq!(reply.body, "Anonymous");
    let removal = set_cookie(&reply, "remember_token").expect("the remember cookie deleted");
    assert!(is_removal(&removal), "{removal:?}");
}

#[actix_rt::test]
async fn b_25_refresh_keeps_the_per_login_duration() {
    let (mut client, _) =
        client!(LoginManager::new().remember_me(remember_me().refresh_each_request(true)));
    let reply = client.get("/login/notch?remember=true&duration=60").await;
    let cookie = set_cookie(&reply, "remember_token").expect("a remember cookie");
    assert_eq!(cookie.max_age(), Some(CookieDuration::seconds(60)));
    let reply = client.get("/username").await;
    let refreshed = set_cookie(&reply, "remember_token").expect("a re-issued cookie");
    // A login remembered for a minute must not become one remembered for two weeks.
    assert_eq!(refreshed.max_age(), Some(CookieDuration::seconds(60)));
}

#[actix_rt::test]
async fn b_26_loaded_from_cookie_fires_once_per_restore() {
    let (manager, events) = recording(remembering());
    let (mut client, _) = client!(manager);
    client.get("/login/notch?remember=true").await;
    assert_eq!(
        count(&events, "loaded_from_cookie"),
        0,
        "a login is not a restore"
    );

    client.cookies.remove("id");
    // `/secret` asks twice (the guard and `CurrentUser`).
    assert_eq!(client.get("/secret").await.body, "secret for Notch");
    assert_eq!(count(&events, "loaded_from_cookie"), 1);

    // The restored login lives in the session now: no second restore.
    assert_eq!(client.get("/username").await.body, "Notch");
    assert_eq!(count(&events, "loaded_from_cookie"), 1);

    // Another browser restart: another restore.
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch");
    assert_eq!(count(&events, "loaded_from_cookie"), 2);
}

#[actix_rt::test]
async fn b_26_no_loaded_from_cookie_for_a_refused_cookie() {
    let (manager, events) = recording(remembering());
    let (mut client, _) = client!(manager);
    let value = remembered_value(&mut client).await;
    client.cookies.clear();
    client
        .cookies
        .insert("remember_token".to_owned(), format!("{value}AAAA"));
    assert_eq!(client.get("/username").await.body, "Anonymous");
    assert_eq!(count(&events, "loaded_from_cookie"), 0);
}

/// Sends `/username` with exactly this `Cookie` header.
async fn username_with_cookie_header<S, B>(client: &mut Client<S>, header: String) -> Reply
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    client.cookies.clear();
    client
        .send(
            TestRequest::get()
                .uri("/username")
                .insert_header(("cookie", header)),
        )
        .await
}

#[actix_rt::test]
async fn r4_two_remember_cookies_in_one_request_are_treated_as_absent() {
    let (mut client, store) = client!(remembering());
    let notch = remembered_value(&mut client).await;
    let reply = client.get("/login/steve?remember=true").await;
    let steve = set_cookie(&reply, "remember_token")
        .expect("a remember cookie")
        .value()
        .to_owned();

    // Control: one copy logs in.
    let reply = username_with_cookie_header(&mut client, format!("remember_token={notch}")).await;
    assert_eq!(reply.body, "Notch");

    // A sibling domain tosses in the attacker's own cookie: neither is trusted.
    let loads = store.loads();
    let reply = username_with_cookie_header(
        &mut client,
        format!("remember_token={notch}; remember_token={steve}"),
    )
    .await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(store.loads(), loads, "the loader is not called");

    // Two copies of the same valid value, or one valid and one garbage: the same.
    for header in [
        format!("remember_token={notch}; remember_token={notch}"),
        format!("remember_token=garbage; remember_token={notch}"),
    ] {
        let reply = username_with_cookie_header(&mut client, header.clone()).await;
        assert_eq!(reply.body, "Anonymous", "{header}");
        assert_eq!(store.loads(), loads, "{header}");
    }
}

#[actix_rt::test]
async fn r5_cookie_under_an_old_key_logs_in_and_is_reissued_under_the_new_key() {
    let old = Key::from(&[9u8; 64]);
    let new = key();
    let (mut before, _) =
        client!(LoginManager::new().remember_me(RememberMe::new(&old).secure(false)));
    let under_old = remembered_value(&mut before).await;

    // The key is rotated; the old one is kept for verification only.
    let (mut rotated, store) =
        client!(LoginManager::new().remember_me(RememberMe::new(&new).old_key(&old).secure(false)));
    rotated
        .cookies
        .insert("remember_token".to_owned(), under_old.clone());
    let reply = rotated.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert_eq!(store.loads(), 1);
    let reissued = set_cookie(&reply, "remember_token").expect("a re-issued remember cookie");
    assert!(!is_removal(&reissued), "{reissued:?}");
    assert_ne!(reissued.value(), under_old);
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    // Only the new key now: the re-issued cookie verifies, the old one does not.
    let (mut after, store) =
        client!(LoginManager::new().remember_me(RememberMe::new(&new).secure(false)));
    after
        .cookies
        .insert("remember_token".to_owned(), reissued.value().to_owned());
    assert_eq!(after.get("/username").await.body, "Notch");
    after.cookies.clear();
    after.cookies.insert("remember_token".to_owned(), under_old);
    let loads = store.loads();
    assert_eq!(after.get("/username").await.body, "Anonymous");
    assert_eq!(store.loads(), loads);
}

#[actix_rt::test]
async fn r5_reissue_under_the_new_key_keeps_the_cookies_lifetime() {
    let old = Key::from(&[9u8; 64]);
    let (mut before, _) =
        client!(LoginManager::new().remember_me(RememberMe::new(&old).secure(false)));
    let reply = before.get("/login/notch?remember=true&duration=60").await;
    let under_old = set_cookie(&reply, "remember_token").expect("a remember cookie");

    let (mut rotated, _) = client!(
        LoginManager::new().remember_me(RememberMe::new(&key()).old_key(&old).secure(false))
    );
    rotated
        .cookies
        .insert("remember_token".to_owned(), under_old.value().to_owned());
    let reply = rotated.get("/username").await;
    assert_eq!(reply.body, "Notch");
    let reissued = set_cookie(&reply, "remember_token").expect("a re-issued remember cookie");
    let max_age = reissued.max_age().expect("a Max-Age");
    assert!(
        max_age <= CookieDuration::seconds(60),
        "a cookie that had a minute left must not come back with {max_age}"
    );
}

#[actix_rt::test]
async fn c3_identity_responses_vary_on_cookie_and_auth_cookie_changes_are_not_stored() {
    let (mut client, _) = client!(remembering());

    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    assert_eq!(
        reply.header("vary"),
        Some("Cookie"),
        "an anonymous read too"
    );

    let reply = client.get("/login/notch?remember=true").await;
    assert!(set_cookie(&reply, "remember_token").is_some());
    assert_eq!(reply.header("vary"), Some("Cookie"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert_eq!(reply.header("vary"), Some("Cookie"));

    let reply = client.get("/static").await;
    assert_eq!(reply.body, "static");
    assert_eq!(reply.header("vary"), None);
    assert_eq!(reply.header("cache-control"), None);
    assert!(reply.set_cookies().is_empty(), "{reply:?}");

    let reply = client.get("/logout").await;
    assert!(set_cookie(&reply, "remember_token").is_some_and(|c| is_removal(&c)));
    assert_eq!(reply.header("vary"), Some("Cookie"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let reply = client.get("/login/notch").await;
    assert!(set_cookie(&reply, "id").is_some(), "the session cookie");
    assert_eq!(
        reply.header("cache-control"),
        Some("no-store"),
        "a login without remember-me sets the session cookie: not stored either"
    );
}

#[actix_rt::test]
async fn c3_response_that_restores_from_the_remember_cookie_is_not_stored() {
    let (mut client, _) = client!(remembering());
    client.get("/login/notch?remember=true").await;
    client.cookies.remove("id");
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Notch");
    assert!(
        set_cookie(&reply, "id").is_some(),
        "the session cookie now carries the login: {reply:?}"
    );
    assert_eq!(reply.header("vary"), Some("Cookie"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

/// Whether a manager with this remember-me configuration starts (`try_init_service` is not
/// public in actix-web, so the manager's `Transform` is started directly).
async fn starts(remember: RememberMe) -> bool {
    LoginManager::<User>::new()
        .remember_me(remember)
        .new_transform(ok_service())
        .await
        .is_ok()
}

#[test]
fn c2_misconfigured_app_does_not_start_and_the_library_does_not_panic() {
    // `init_service` panics with its own message when the app fails to start; a panic inside
    // the library would carry another one.
    let outcome = std::thread::spawn(|| {
        actix_rt::System::new().block_on(async {
            let remember = RememberMe::new(&key())
                .name("__Host-x")
                .domain("example.test");
            let app = app_with(
                LoginManager::new().remember_me(remember),
                web::Data::new(Store::default()),
            );
            let _service = init_service(app).await;
        });
    })
    .join();
    let payload = outcome.expect_err("an app with an invalid remember cookie must not start");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    assert!(
        message.starts_with("service initialization failed"),
        "{message}"
    );
}

#[actix_rt::test]
async fn c2_host_prefix_with_domain_or_path_is_a_startup_error() {
    let (logs, _guard) = Logs::capture();
    assert!(
        !starts(
            RememberMe::new(&key())
                .name("__Host-x")
                .domain("example.test")
        )
        .await
    );
    let text = logs.text();
    assert!(text.contains("cannot start `LoginManager`"), "{text}");
    assert!(text.contains("__Host-x"), "{text}");
    assert!(text.contains(".domain(..)"), "names the fix: {text}");

    assert!(!starts(RememberMe::new(&key()).name("__Host-x").path("/app")).await);
    // The prefix on its own is fine.
    assert!(starts(RememberMe::new(&key()).name("__Host-x")).await);
}

#[actix_rt::test]
async fn c2_same_site_none_without_secure_is_a_startup_error() {
    let (logs, _guard) = Logs::capture();
    assert!(
        !starts(
            RememberMe::new(&key())
                .same_site(SameSite::None)
                .secure(false)
        )
        .await
    );
    assert!(logs.text().contains("SameSite=None"), "{}", logs.text());
    assert!(starts(RememberMe::new(&key()).same_site(SameSite::None)).await);
}

#[actix_rt::test]
async fn c2_opting_out_of_secure_logs_a_warning() {
    let (logs, _guard) = Logs::capture();
    assert!(starts(remember_me()).await);
    let text = logs.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("is not `Secure`"), "{text}");
}

#[actix_rt::test]
async fn c2_not_secure_warning_is_logged_once() {
    let (logs, _guard) = Logs::capture();
    let manager = LoginManager::<User>::new().remember_me(remember_me());
    // `HttpServer` builds the app once per worker, each with a clone of the manager.
    for _worker in 0..2 {
        assert!(manager.clone().new_transform(ok_service()).await.is_ok());
    }
    let text = logs.text();
    assert_eq!(text.matches("is not `Secure`").count(), 1, "{text}");
}

#[actix_rt::test]
async fn c2_prefixed_name_without_secure_is_a_startup_error() {
    // Browsers drop `__Host-` and `__Secure-` cookies that are not `Secure`.
    assert!(!starts(RememberMe::new(&key()).name("__Host-x").secure(false)).await);
    assert!(!starts(RememberMe::new(&key()).name("__Secure-x").secure(false)).await);
    assert!(starts(RememberMe::new(&key()).name("__Secure-x")).await);
}
