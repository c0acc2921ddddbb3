//! Two app instances on one Redis, for sessions (`RedisSessions`) and revocations
//! (`RedisRevocations`): a login made on one is recognised on the other, and a logout on
//! either is final on both, for copies of the session and remember cookies taken before it
//! (docs/behaviour.md S15). With Redis paused or stopped, a request that restores a login and
//! a logout both answer `503` within the bound and change nothing (S16).
//!
//! Run with `cargo test -p login-runtime-tests --features redis --test redis_revocations` and
//! `LOGIN_RUNTIME_REDIS_URL` set (`.ci/run` starts a Redis and does both). The fault tests
//! start a `redis-server` of their own on a free loopback port, so they can pause and stop it.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod redis_support;

use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_web::test::init_service;
use actix_web::{App, HttpRequest, get, web};
use login_runtime::redis::{FailClosed, RedisConnection, RedisRevocations, RedisSessions};
use login_runtime::{CurrentUser, LoginManager};
use login_runtime_tests::{Store, User, app::key, remember_me, routes};
use redis_support::{Answer, Browser, OwnRedis, redis_url, unique_prefix};

/// The bound on each store call (the defaults) and the slack a loaded CI machine may add.
const BOUND: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_secs(1);

const REMEMBER: &str = "remember_token";
const SESSION: &str = "id";

/// `/logout-everywhere`: `logout_everywhere` for the current user.
#[get("/logout-everywhere")]
async fn everywhere(req: HttpRequest, user: CurrentUser<User>) -> actix_web::Result<String> {
    let Some(user) = user.user().cloned() else {
        return Ok("nobody".to_owned());
    };
    login_runtime::logout_everywhere(&req, &user).await?;
    Ok("done".to_owned())
}

async fn connect(url: &str) -> RedisConnection {
    RedisConnection::connect(url)
        .await
        .expect("Redis is reachable")
}

/// One app instance: its own connection to the shared Redis, its own `LoginManager`, the
/// fixture routes. `revocations: None` keeps the default in-process store (the control).
async fn instance(
    redis: &RedisConnection,
    prefix: &str,
    revocations: Option<RedisRevocations>,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    let mut manager = LoginManager::<User>::new().remember_me(remember_me());
    if let Some(revocations) = revocations {
        manager = manager.revocation_store(revocations);
    }
    let store = RedisSessions::new(redis.clone()).prefix(format!("{prefix}session:"));
    let sessions = SessionMiddleware::builder(store, key())
        .cookie_secure(false)
        .build();
    init_service(
        App::new()
            .app_data(web::Data::new(Store::default()))
            .wrap(manager)
            .wrap(sessions)
            .wrap(FailClosed::default())
            .configure(routes)
            .service(everywhere),
    )
    .await
}

fn revocations(redis: &RedisConnection, prefix: &str) -> Option<RedisRevocations> {
    Some(RedisRevocations::new(redis.clone()).prefix(format!("{prefix}revoked:")))
}

/// `browser` with only the cookie `name`.
fn only(browser: &Browser, name: &str) -> Browser {
    let mut copy = Browser::default();
    let value = browser
        .cookies
        .get(name)
        .cloned()
        .expect("the cookie is set");
    copy.cookies.insert(name.to_owned(), value);
    copy
}

fn shown(answer: &Answer) -> (u16, &str) {
    (answer.status, answer.body.as_str())
}

#[actix_rt::test]
async fn s15_a_login_is_seen_on_both_instances_and_a_logout_on_one_is_final_on_the_other() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("s15-logout");
    let (redis_a, redis_b) = (connect(&url).await, connect(&url).await);
    let a = instance(&redis_a, &prefix, revocations(&redis_a, &prefix)).await;
    let b = instance(&redis_b, &prefix, revocations(&redis_b, &prefix)).await;

    let mut on_a = Browser::default();
    let login = on_a.get(&a, "/login/notch?remember=true").await;
    assert_eq!(shown(&login), (200, "true Notch"));
    let copies = [
        ("both cookies", on_a.clone()),
        ("the session cookie", only(&on_a, SESSION)),
        ("the remember cookie", only(&on_a, REMEMBER)),
    ];

    // The same browser on instance B (a load balancer's choice): the same login.
    let mut on_b = on_a.clone();
    assert_eq!(shown(&on_b.get(&b, "/username").await), (200, "Notch"));
    assert_eq!(shown(&on_b.get(&b, "/logout").await), (200, "Anonymous"));

    for (what, copy) in &copies {
        for (name, app) in [("A", &a), ("B", &b)] {
            let mut copy = copy.clone();
            assert_eq!(
                shown(&copy.get(app, "/username").await),
                (200, "Anonymous"),
                "{what} copied before the logout on B, replayed on {name}"
            );
        }
    }

    // The control: an instance whose revocations are its own (the in-process default) still
    // accepts the remember cookie, so the assertions above test the shared store.
    let c = instance(&redis_a, &prefix, None).await;
    let mut copy = only(&copies[0].1, REMEMBER);
    assert_eq!(shown(&copy.get(&c, "/username").await), (200, "Notch"));
}

#[actix_rt::test]
async fn s15_logout_everywhere_on_one_instance_ends_that_users_logins_on_the_other() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("s15-everywhere");
    let (redis_a, redis_b) = (connect(&url).await, connect(&url).await);
    let a = instance(&redis_a, &prefix, revocations(&redis_a, &prefix)).await;
    let b = instance(&redis_b, &prefix, revocations(&redis_b, &prefix)).await;

    let (mut laptop, mut phone, mut steve) =
        (Browser::default(), Browser::default(), Browser::default());
    assert_eq!(
        laptop.get(&a, "/login/notch?remember=true").await.body,
        "true Notch"
    );
    assert_eq!(
        phone.get(&a, "/login/notch?remember=true").await.body,
        "true Notch"
    );
    assert_eq!(
        steve.get(&a, "/login/steve?remember=true").await.body,
        "true Steve"
    );
    let phone_remember = only(&phone, REMEMBER);

    // The laptop, served by B, ends every login of Notch.
    assert_eq!(
        shown(&laptop.get(&b, "/logout-everywhere").await),
        (200, "done")
    );
    assert_eq!(laptop.get(&b, "/username").await.body, "Anonymous");

    for (what, mut browser) in [
        ("the phone", phone.clone()),
        ("the phone's remember cookie", phone_remember),
    ] {
        assert_eq!(
            shown(&browser.get(&a, "/username").await),
            (200, "Anonymous"),
            "{what} on A after logout_everywhere on B"
        );
    }
    assert_eq!(phone.get(&b, "/username").await.body, "Anonymous");
    assert_eq!(
        steve.get(&a, "/username").await.body,
        "Steve",
        "another user's login is untouched"
    );

    // A login made after it is valid on both instances.
    actix_rt::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(laptop.get(&a, "/login/notch").await.body, "true Notch");
    assert_eq!(laptop.get(&b, "/username").await.body, "Notch");
}

/// Checks that a refused request came within the bound.
fn assert_503_in_time(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 503, "{what}: {answer:?}");
    assert!(
        answer.elapsed <= BOUND + SLACK,
        "{what} waited {:?}, past the {BOUND:?} bound",
        answer.elapsed
    );
}

#[actix_rt::test]
async fn s16_redis_paused_past_the_bound_a_restored_login_and_a_logout_answer_503_and_nobody_is_logged_out()
 {
    if redis_url().is_none() {
        return;
    }
    let own = OwnRedis::start().await;
    let prefix = unique_prefix("s16-paused");
    let (redis_a, redis_b) = (connect(&own.url()).await, connect(&own.url()).await);
    let a = instance(&redis_a, &prefix, revocations(&redis_a, &prefix)).await;
    let b = instance(&redis_b, &prefix, revocations(&redis_b, &prefix)).await;
    let mut browser = Browser::default();
    assert_eq!(
        browser.get(&a, "/login/notch?remember=true").await.body,
        "true Notch"
    );
    let cookies = browser.cookies.clone();

    // Redis holds every command for 6 s: past the bound, longer than the three requests.
    assert_eq!(own.command("CLIENT PAUSE 6000").unwrap(), "+OK");
    let paused = std::time::Instant::now();
    // The session cannot be loaded: FailClosed's 503.
    assert_503_in_time(&browser.get(&b, "/username").await, "a session login on B");
    // No session, a remember cookie: the revocation lookup times out, the manager's 503.
    let mut remembered = only(&browser, REMEMBER);
    assert_503_in_time(
        &remembered.get(&a, "/username").await,
        "a remember cookie on A",
    );
    // A logout cannot load the session: it answers 503 and changes no cookie.
    assert_503_in_time(&browser.get(&a, "/logout").await, "a logout on A");
    assert_eq!(
        browser.cookies, cookies,
        "the failed logout changed no cookie"
    );

    // Once Redis answers again, the login is still there, on both instances.
    if let Some(rest) = Duration::from_millis(6100).checked_sub(paused.elapsed()) {
        actix_rt::time::sleep(rest).await;
    }
    own.wait_ready().await;
    assert_eq!(shown(&browser.get(&a, "/username").await), (200, "Notch"));
    assert_eq!(shown(&browser.get(&b, "/username").await), (200, "Notch"));
}

#[actix_rt::test]
async fn s16_redis_stopped_a_restored_login_and_a_logout_answer_503_and_the_logout_did_nothing() {
    if redis_url().is_none() {
        return;
    }
    let mut own = OwnRedis::start().await;
    let prefix = unique_prefix("s16-stopped");
    let (redis_a, redis_b) = (connect(&own.url()).await, connect(&own.url()).await);
    let a = instance(&redis_a, &prefix, revocations(&redis_a, &prefix)).await;
    let b = instance(&redis_b, &prefix, revocations(&redis_b, &prefix)).await;
    let mut browser = Browser::default();
    assert_eq!(
        browser.get(&a, "/login/notch?remember=true").await.body,
        "true Notch"
    );
    let mut remembered = only(&browser, REMEMBER);
    let cookies = browser.cookies.clone();

    own.kill();
    assert_503_in_time(&browser.get(&b, "/username").await, "a session login on B");
    assert_503_in_time(
        &remembered.get(&a, "/username").await,
        "a remember cookie on A",
    );
    // The remember cookie's logout must record a revocation, and cannot.
    assert_503_in_time(
        &remembered.get(&a, "/logout").await,
        "a logout by remember cookie",
    );
    assert!(
        remembered.cookies.contains_key(REMEMBER),
        "the failed logout kept the cookie"
    );
    assert_503_in_time(
        &browser.get(&b, "/logout").await,
        "a logout by session on B",
    );
    assert_eq!(
        browser.cookies, cookies,
        "the failed logout changed no cookie"
    );

    // Redis is back, empty: the sessions are gone, but no revocation was recorded, so the
    // remember cookie logs in again on either instance, within seconds.
    own.spawn().await;
    let back = std::time::Instant::now();
    let mut answer = remembered.get(&a, "/username").await;
    while answer.status != 200 && back.elapsed() < Duration::from_secs(3) {
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        answer = remembered.get(&a, "/username").await;
    }
    assert_eq!(
        shown(&answer),
        (200, "Notch"),
        "within 3 s of Redis's return"
    );
    let mut on_b = only(&browser, REMEMBER);
    assert_eq!(shown(&on_b.get(&b, "/username").await), (200, "Notch"));
}
