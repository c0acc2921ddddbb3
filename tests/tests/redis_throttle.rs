//! Login throttling on Redis (`RedisThrottle`, docs/behaviour.md T10, T11): two app instances
//! on one Redis share their counts, the keys hold digests and expire, and a Redis that is
//! stopped or frozen refuses the attempt with `503` within the bound, never letting it through.
//!
//! Run with `cargo test -p login-runtime-tests --features redis --test redis_throttle` and
//! `LOGIN_RUNTIME_REDIS_URL` set (`.ci/run` starts a Redis and does both). The key and fault
//! tests start a `redis-server` of their own on a free loopback port.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod redis_support;

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{TestRequest, init_service};
use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use login_runtime::redis::{RedisConnection, RedisThrottle};
use login_runtime::{LoginManager, LoginThrottle, ThrottleLimit, ThrottlePolicy};
use login_runtime_tests::logs::Logs;
use login_runtime_tests::throttle::{Credentials, WRONG, sign_in};
use login_runtime_tests::{Client, Reply, Store, app_with};
use redis_support::{OwnRedis, redis_url, unique_prefix};

const REFUSED: &str = "too many login attempts";
const PEER: &str = "203.0.113.7:4711";

/// A handler that answers a refusal in its own words, from what the error tells it.
#[post("/sign-in-explained")]
async fn sign_in_explained(
    req: HttpRequest,
    form: web::Form<Credentials>,
    throttle: web::Data<LoginThrottle>,
) -> HttpResponse {
    match throttle.attempt(&req, &form.username).await {
        Ok(attempt) => {
            attempt.failed();
            HttpResponse::Unauthorized().body(WRONG)
        }
        Err(err) => HttpResponse::build(err.status_code()).body(format!(
            "{err} | throttled: {} | unavailable: {}",
            err.throttled().is_some(),
            err.is_unavailable()
        )),
    }
}

/// One app instance with `throttle`: the fixture app (cookie sessions) and the sign-in route.
async fn instance(
    throttle: LoginThrottle,
) -> Client<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let app = app_with(LoginManager::new(), web::Data::new(Store::default()))
        .app_data(web::Data::new(throttle))
        .service(sign_in)
        .service(sign_in_explained);
    Client::new(init_service(app).await)
}

/// An instance with its own connection to `url`, its counts under `prefix`.
async fn instance_on(
    url: &str,
    prefix: &str,
    policy: ThrottlePolicy,
) -> Client<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let redis = RedisConnection::connect(url)
        .await
        .expect("Redis is reachable");
    let store = RedisThrottle::new(redis).prefix(prefix);
    instance(LoginThrottle::with_store(policy, store)).await
}

fn form(username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/sign-in")
        .peer_addr(PEER.parse().unwrap())
        .set_form([("username", username), ("password", password)])
}

fn seen(reply: &Reply) -> (u16, Option<&str>, &str) {
    (
        reply.status.as_u16(),
        reply.header("retry-after"),
        reply.body.as_str(),
    )
}

/// Two free failures per account, then 1.5 s (rounded up: `Retry-After: 2`), locked for
/// 600 ms from the 6th; the address limit as `address`.
fn policy(address: ThrottleLimit) -> ThrottlePolicy {
    let account = ThrottleLimit::per_account()
        .free_failures(2)
        .backoff(Duration::from_millis(1_500), 2, Duration::from_secs(10))
        .lockout(6, Duration::from_millis(600))
        .window(Duration::from_secs(60));
    ThrottlePolicy::default().account(account).address(address)
}

#[actix_rt::test]
async fn t10_failures_on_one_instance_count_on_the_other_and_a_success_on_either_clears_them() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("t10-shared");
    let policy = policy(ThrottleLimit::per_address());
    let mut a = instance_on(&url, &prefix, policy.clone()).await;
    let mut b = instance_on(&url, &prefix, policy).await;

    assert_eq!(seen(&a.send(form("notch", "x")).await), (401, None, WRONG));
    assert_eq!(seen(&b.send(form("notch", "x")).await), (401, None, WRONG));
    // The third attempt is the last free one: it passes (the right password here) and clears
    // the count on both.
    let reply = a.send(form("notch", "minecraft")).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
    for client in [&mut b, &mut a] {
        assert_eq!(client.send(form("notch", "x")).await.status, 401);
    }
    assert_eq!(b.send(form("notch", "x")).await.status, 401);
    // Three failures since the success, across both: 1.5 s to wait, on either.
    assert_eq!(
        seen(&a.send(form("notch", "minecraft")).await),
        (429, Some("2"), REFUSED)
    );
    assert_eq!(
        seen(&b.send(form("notch", "minecraft")).await),
        (429, Some("2"), REFUSED)
    );
}

#[actix_rt::test]
async fn t10_a_lockout_made_on_one_instance_holds_on_the_other_until_it_ends() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("t10-lockout");
    let policy = policy(ThrottleLimit::per_address()).account(
        ThrottleLimit::per_account()
            .free_failures(10)
            .lockout(3, Duration::from_millis(600)),
    );
    let mut a = instance_on(&url, &prefix, policy.clone()).await;
    let mut b = instance_on(&url, &prefix, policy).await;
    assert_eq!(a.send(form("notch", "x")).await.status, 401);
    assert_eq!(b.send(form("notch", "x")).await.status, 401);
    assert_eq!(a.send(form("notch", "x")).await.status, 401);
    let locked = Instant::now();
    for client in [&mut a, &mut b] {
        let reply = client.send(form("notch", "minecraft")).await;
        assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
    }
    let rest = Duration::from_millis(620).saturating_sub(locked.elapsed());
    actix_rt::time::sleep(rest).await;
    let reply = b.send(form("notch", "minecraft")).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
}

#[actix_rt::test]
async fn t10_an_address_is_counted_across_instances_whatever_account_it_tries() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("t10-address");
    let address = ThrottleLimit::per_address().free_failures(3).backoff(
        Duration::from_millis(1_500),
        2,
        Duration::from_secs(10),
    );
    let mut a = instance_on(&url, &prefix, policy(address)).await;
    let mut b = instance_on(&url, &prefix, policy(address)).await;
    for i in 0..4 {
        let client = if i % 2 == 0 { &mut a } else { &mut b };
        assert_eq!(
            client.send(form(&format!("user{i}"), "x")).await.status,
            401
        );
    }
    let reply = a.send(form("user4", "x")).await;
    assert_eq!(seen(&reply), (429, Some("2"), REFUSED));
}

/// The keys under `prefix` on `own`, from `KEYS`.
fn keys(own: &OwnRedis, prefix: &str) -> Vec<String> {
    let reply = own.command(&format!("KEYS {prefix}*")).unwrap();
    let mut keys: Vec<String> = reply
        .lines()
        .filter(|line| line.starts_with(prefix))
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys
}

#[actix_rt::test]
async fn t10_keys_hold_digests_that_expire_when_the_failures_are_forgotten() {
    if redis_url().is_none() {
        return;
    }
    let own = OwnRedis::start().await;
    let redis = RedisConnection::connect(&own.url()).await.unwrap();
    let mut app = instance(LoginThrottle::redis(
        redis,
        policy(ThrottleLimit::per_address()),
    ))
    .await;
    for _ in 0..2 {
        assert_eq!(app.send(form("notch", "x")).await.status, 401);
    }
    let prefix = "login-runtime:throttle:";
    let found = keys(&own, prefix);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("login-runtime:throttle:account:"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("login-runtime:throttle:address:"),
        "{found:?}"
    );
    // The account's window is 60 s, the address's an hour: each key expires by then.
    for (key, window) in found.iter().zip([60_000, 3_600_000]) {
        let digest = key.rsplit(':').next().unwrap();
        assert_eq!(digest.len(), 32, "{key}");
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
        assert!(
            !key.contains("notch") && !key.contains("203.0.113"),
            "{key}"
        );
        let ttl: u64 = own.command(&format!("PTTL {key}")).unwrap()[1..]
            .parse()
            .unwrap();
        assert!((window - 1_000..=window).contains(&ttl), "{key}: {ttl} ms");
        let value = own.command(&format!("GET {key}")).unwrap();
        assert!(value.contains("\r\n2:"), "two failures: {value:?}");
    }

    // A success deletes the account's key; the address's keeps its two failures.
    assert_eq!(app.send(form("notch", "minecraft")).await.status, 200);
    assert_eq!(keys(&own, prefix), found[1..]);
    let value = own.command(&format!("GET {}", found[1])).unwrap();
    assert!(value.contains("\r\n2:"), "{value:?}");
}

/// Sends `req` and gives the reply and how long it took; a hung request fails the test after
/// 10 s instead of hanging it.
async fn timed<S, B>(client: &mut Client<S>, req: TestRequest) -> (Reply, Duration)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let started = Instant::now();
    let reply = actix_rt::time::timeout(Duration::from_secs(10), client.send(req))
        .await
        .expect("an answer within 10 s, not a hang");
    (reply, started.elapsed())
}

#[actix_rt::test]
async fn t11_a_stopped_or_frozen_redis_refuses_the_attempt_with_503_in_time_and_then_recovers() {
    if redis_url().is_none() {
        return;
    }
    let (logs, _guard) = Logs::capture();
    let mut own = OwnRedis::start().await;
    let bound = Duration::from_millis(300);
    let redis = RedisConnection::builder(own.url())
        .timeout(bound)
        .connect()
        .await
        .unwrap();
    let mut app = instance(LoginThrottle::redis(
        redis,
        policy(ThrottleLimit::per_address()),
    ))
    .await;
    assert_eq!(app.send(form("notch", "x")).await.status, 401);

    // Frozen: no answer at all. The right password is not even checked.
    own.freeze(true);
    let (reply, took) = timed(&mut app, form("notch", "minecraft")).await;
    own.freeze(false);
    assert_eq!(seen(&reply), (503, Some("1"), "service unavailable"));
    assert!(
        took >= bound && took < bound + Duration::from_secs(1),
        "{took:?}"
    );

    // Stopped: refused connections, a 503 at once.
    own.kill();
    let (reply, took) = timed(&mut app, form("notch", "minecraft")).await;
    assert_eq!(seen(&reply), (503, Some("1"), "service unavailable"));
    assert!(took < bound + Duration::from_secs(1), "{took:?}");
    let text = logs.text();
    assert!(
        text.contains("the login throttle's store is unavailable"),
        "{text}"
    );
    // What the app's own handler learns from the error.
    let explained = form("notch", "minecraft").uri("/sign-in-explained");
    let (reply, _) = timed(&mut app, explained).await;
    assert_eq!(reply.status, 503);
    assert!(
        reply
            .body
            .starts_with("the login throttle's store is unavailable: ")
            && reply
                .body
                .ends_with(" | throttled: false | unavailable: true"),
        "{}",
        reply.body
    );

    // Back (empty): attempts are decided again within seconds.
    own.spawn().await;
    let back = Instant::now();
    let mut reply = app.send(form("notch", "minecraft")).await;
    while reply.status == 503 && back.elapsed() < Duration::from_secs(3) {
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        reply = app.send(form("notch", "minecraft")).await;
    }
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
}
