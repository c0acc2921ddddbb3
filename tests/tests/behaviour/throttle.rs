//! Login throttling (docs/behaviour.md T1–T9): `LoginThrottle` in front of a real login route,
//! as an app uses it. The in-process store runs on a `TestClock`, so backoffs and lockouts pass
//! without sleeping.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, HttpRequest, HttpResponse, ResponseError, error, post, web};
use login_runtime::test::TestClock;
use login_runtime::{
    LoginManager, LoginThrottle, MemoryThrottle, ThrottleLimit, ThrottlePolicy, ThrottleScope,
};
use login_runtime_tests::logs::Logs;
use login_runtime_tests::throttle::{Credentials, WRONG, sign_in};
use login_runtime_tests::{Client, Reply, Store, User, app_with};

const SECOND: Duration = Duration::from_secs(1);

/// A handler that fails between the throttle and the verdict (its password store is down).
#[post("/sign-in-broken")]
async fn sign_in_broken(
    req: HttpRequest,
    form: web::Form<Credentials>,
    throttle: web::Data<LoginThrottle>,
) -> actix_web::Result<HttpResponse> {
    let _attempt = throttle.attempt(&req, &form.username).await?;
    Err(error::ErrorInternalServerError(
        "the password store is down",
    ))
}

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
            "{err} | wait: {:?} | unavailable: {} | has a source: {}",
            err.throttled()
                .map(|throttled| throttled.retry_after_secs()),
            err.is_unavailable(),
            std::error::Error::source(&err).is_some(),
        )),
    }
}

/// Small numbers, so each boundary is a few requests away: an account gets 3 free failures,
/// then waits of 1, 2, 4 s (at most 8), locked for 60 s from the 6th; an address gets 10, with
/// the same waits, locked from the 20th. Both forget after 10 minutes.
fn policy() -> ThrottlePolicy {
    let limit = |free, lockout| {
        ThrottleLimit::per_account()
            .free_failures(free)
            .backoff(SECOND, 2, 8 * SECOND)
            .lockout(lockout, 60 * SECOND)
            .window(600 * SECOND)
    };
    ThrottlePolicy::default()
        .account(limit(3, 6))
        .address(limit(10, 20))
}

/// A client of the fixture app with `manager`, the sign-in routes and `throttle`.
async fn client(
    manager: LoginManager<User>,
    throttle: LoginThrottle,
) -> Client<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let app = app_with(manager, web::Data::new(Store::default()))
        .app_data(web::Data::new(throttle))
        .service(sign_in)
        .service(sign_in_broken)
        .service(sign_in_explained);
    Client::new(init_service(app).await)
}

/// A throttle on a fresh in-process store of `capacity` entries, on `clock`.
fn memory_throttle(
    policy: ThrottlePolicy,
    capacity: usize,
    clock: &TestClock,
) -> (LoginThrottle, MemoryThrottle) {
    let store = MemoryThrottle::with_capacity(capacity).with_clock(clock);
    (LoginThrottle::with_store(policy, store.clone()), store)
}

/// A sign-in form from the client at `peer` (`address:port`).
fn form(username: &str, password: &str, peer: &str) -> TestRequest {
    TestRequest::post()
        .uri("/sign-in")
        .peer_addr(peer.parse().unwrap())
        .set_form([("username", username), ("password", password)])
}

const PEER: &str = "203.0.113.7:4711";

/// What a visitor sees of a reply: status, `Retry-After`, body.
fn seen(reply: &Reply) -> (u16, Option<&str>, &str) {
    (
        reply.status.as_u16(),
        reply.header("retry-after"),
        reply.body.as_str(),
    )
}

const REFUSED: &str = "too many login attempts";

#[actix_rt::test]
async fn t1_free_failures_pass_then_each_waits_longer_and_retry_after_rounds_up() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    assert_eq!(throttle.policy(), &policy());
    let mut client = client(LoginManager::new(), throttle).await;

    // Three free failures, and the attempt at the boundary still gets through: it fails, and
    // only then must the next one wait.
    for _ in 0..4 {
        let reply = client.send(form("notch", "diamond", PEER)).await;
        assert_eq!(seen(&reply), (401, None, WRONG));
    }
    // One second now, whatever the password; refusals are not counted, so the wait stays.
    for password in ["diamond", "minecraft", "diamond"] {
        let reply = client.send(form("notch", password, PEER)).await;
        assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    clock.advance(Duration::from_millis(999));
    let reply = client.send(form("notch", "diamond", PEER)).await;
    assert_eq!(
        seen(&reply),
        (429, Some("1"), REFUSED),
        "1 ms left: rounded up"
    );
    clock.advance(Duration::from_millis(1));
    let reply = client.send(form("notch", "diamond", PEER)).await;
    assert_eq!(seen(&reply), (401, None, WRONG), "the wait is over");

    // The next wait doubles.
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("2"), REFUSED));
    clock.advance(Duration::from_millis(1_001));
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(
        seen(&reply),
        (429, Some("1"), REFUSED),
        "0.999 s rounded up"
    );
    clock.advance(Duration::from_millis(999));
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
}

#[actix_rt::test]
async fn t1_an_app_can_answer_a_refusal_in_its_own_words() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    let explained = |name: &str| form(name, "x", PEER).uri("/sign-in-explained");
    for _ in 0..4 {
        assert_eq!(client.send(explained("notch")).await.body, WRONG);
    }
    clock.advance(Duration::from_millis(250));
    let reply = client.send(explained("notch")).await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        reply.body,
        "login attempt throttled by the account count (4 failures); retry after 750ms | \
         wait: Some(1) | unavailable: false | has a source: false"
    );

    // Without a manager: the misconfiguration, with its cause.
    let app = App::new()
        .app_data(web::Data::new(LoginThrottle::new(policy())))
        .service(sign_in_explained);
    let mut client = Client::new(init_service(app).await);
    let reply = client.send(explained("notch")).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply
            .body
            .starts_with("login-runtime is misconfigured: `LoginThrottle::attempt` on"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .ends_with("| wait: None | unavailable: false | has a source: true"),
        "{}",
        reply.body
    );
}

#[actix_rt::test]
async fn t2_a_lockout_lasts_its_duration_and_each_failure_after_it_locks_again() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    // Five failures, each after the wait the one before it set.
    for _ in 0..5 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
        clock.advance(8 * SECOND);
    }
    // The sixth locks the account.
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("60"), REFUSED));
    clock.advance(59 * SECOND);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
    clock.advance(SECOND);
    // Over: one attempt, and a wrong password locks it again.
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("60"), REFUSED));
    clock.advance(60 * SECOND);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
}

#[actix_rt::test]
async fn t2_failures_are_forgotten_a_window_after_the_last_one() {
    let clock = TestClock::new();
    let (throttle, store) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    for _ in 0..4 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    }
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 429);
    clock.advance(599 * SECOND);
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    // The last failure restarted the window: still remembered 599 s on ...
    clock.advance(599 * SECOND);
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 429);
    // ... and forgotten after 600: three free failures again, and a fourth attempt.
    clock.advance(600 * SECOND);
    for _ in 0..4 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    }
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 429);
    assert_eq!(store.len(), 2, "one account, one address");
    assert!(!store.is_empty());
}

#[actix_rt::test]
async fn t3_a_success_clears_the_account_but_not_the_address() {
    let clock = TestClock::new();
    let (throttle, store) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    // Right the first time: nothing is left behind, for the account or the address.
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
    assert!(store.is_empty(), "{store:?}");
    for _ in 0..4 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    }
    clock.advance(SECOND);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
    // The account starts over: four more attempts before a wait.
    for _ in 0..4 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    }
    assert_eq!(client.send(form("notch", "x", PEER)).await.status, 429);

    // The address kept all eight failures (not the success): two more pass, at 10 the
    // next still passes, then it waits; whichever account it tries.
    for name in ["alex", "steve", "herobrine"] {
        let reply = client.send(form(name, "x", PEER)).await;
        assert_eq!(seen(&reply), (401, None, WRONG), "{name}");
    }
    let reply = client.send(form("zombie", "x", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
}

#[actix_rt::test]
async fn t3_a_success_clears_the_account_without_an_address_count_too() {
    // No address limit; or no address at all (no peer: a Unix socket, say).
    let cases = [(policy().no_address_limit(), Some(PEER)), (policy(), None)];
    for (policy, peer) in cases {
        let clock = TestClock::new();
        let (throttle, _) = memory_throttle(policy, 1_000, &clock);
        let mut client = client(LoginManager::new(), throttle).await;
        let sign_in_with = |password: &str| {
            let req = TestRequest::post()
                .uri("/sign-in")
                .set_form([("username", "notch"), ("password", password)]);
            match peer {
                Some(peer) => req.peer_addr(peer.parse().unwrap()),
                None => req,
            }
        };
        for _ in 0..4 {
            assert_eq!(client.send(sign_in_with("x")).await.status, 401, "{peer:?}");
        }
        assert_eq!(client.send(sign_in_with("x")).await.status, 429, "{peer:?}");
        clock.advance(SECOND);
        assert_eq!(client.send(sign_in_with("minecraft")).await.status, 200);
        for _ in 0..4 {
            assert_eq!(client.send(sign_in_with("x")).await.status, 401, "{peer:?}");
        }
        assert_eq!(client.send(sign_in_with("x")).await.status, 429, "{peer:?}");
    }
}

#[actix_rt::test]
async fn t4_one_address_is_throttled_across_every_account_it_tries() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    // Password spraying: one password, a new account each time. 10 free, and the 11th.
    for i in 0..11 {
        let reply = client.send(form(&format!("user{i}"), "123456", PEER)).await;
        assert_eq!(seen(&reply), (401, None, WRONG), "user{i}");
    }
    for name in ["user11", "notch"] {
        let reply = client.send(form(name, "minecraft", PEER)).await;
        assert_eq!(seen(&reply), (429, Some("1"), REFUSED), "{name}");
    }
    // Another client is not held back by it.
    let reply = client
        .send(form("notch", "minecraft", "198.51.100.1:5000"))
        .await;
    assert_eq!(seen(&reply), (200, None, "welcome Notch"));
}

#[actix_rt::test]
async fn t4_without_an_account_limit_only_addresses_are_counted() {
    let clock = TestClock::new();
    let (throttle, store) = memory_throttle(policy().no_account_limit(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    // Twenty failures on one account, each from another address: never a wait.
    for i in 0..20 {
        let peer = format!("198.51.100.{i}:1");
        assert_eq!(client.send(form("notch", "x", &peer)).await.status, 401);
    }
    assert_eq!(
        store.len(),
        20,
        "one entry per address, none for the account"
    );
    // One address still has its limit: 10 free, the 11th, then a wait.
    for _ in 0..11 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
    }
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
}

#[actix_rt::test]
async fn t4_when_both_counts_refuse_the_longer_wait_is_the_answer() {
    let limit = |seconds| {
        ThrottleLimit::per_account()
            .free_failures(0)
            .backoff(seconds * SECOND, 2, 60 * SECOND)
            .no_lockout()
    };
    // (account's wait, address's wait) → the answer, and the count the event names (the
    // account's when they tie).
    let cases = [
        ((4, 1), "4", ThrottleScope::Account),
        ((1, 4), "4", ThrottleScope::Address),
        ((2, 2), "2", ThrottleScope::Account),
    ];
    for ((account, address), retry_after, scope) in cases {
        let clock = TestClock::new();
        let policy = ThrottlePolicy::default()
            .account(limit(account))
            .address(limit(address));
        let (throttle, _) = memory_throttle(policy, 1_000, &clock);
        let scopes: Arc<Mutex<Vec<ThrottleScope>>> = Arc::default();
        let sink = Arc::clone(&scopes);
        let manager = LoginManager::new().on_event(move |_req, event| {
            if let login_runtime::LoginEvent::Throttled(throttled) = event {
                sink.lock().unwrap().push(throttled.scope());
            }
        });
        let mut client = client(manager, throttle).await;
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
        let reply = client.send(form("notch", "minecraft", PEER)).await;
        assert_eq!(
            seen(&reply),
            (429, Some(retry_after), REFUSED),
            "{account} {address}"
        );
        assert_eq!(*scopes.lock().unwrap(), [scope], "{account} {address}");
    }
}

#[actix_rt::test]
async fn t4_an_ipv6_client_counts_by_its_64_network() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    // A new address of the same /64 for each attempt changes nothing.
    for i in 0..11 {
        let peer = format!("[2001:db8:1:2::{i:x}]:4711");
        assert_eq!(
            client
                .send(form(&format!("user{i}"), "x", &peer))
                .await
                .status,
            401
        );
    }
    let reply = client
        .send(form("user11", "x", "[2001:db8:1:2:ffff::1]:4711"))
        .await;
    assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
    let reply = client
        .send(form("user11", "x", "[2001:db8:1:3::1]:4711"))
        .await;
    assert_eq!(reply.status, 401, "another /64");
}

/// Exhausts the address allowance of the client that `request` makes, then answers the next
/// attempt's status, for the same client with another account name.
async fn after_the_allowance<S, B>(
    client: &mut Client<S>,
    request: impl Fn(usize) -> TestRequest,
) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for i in 0..11 {
        assert_eq!(client.send(request(i)).await.status, 401, "attempt {i}");
    }
    client.send(request(11)).await.status.as_u16()
}

#[actix_rt::test]
async fn t5_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let manager = LoginManager::new().trusted_proxies(["10.0.0.2".parse().unwrap()]);
    let mut client = client(manager, throttle).await;
    let via_proxy = |client_ip: &'static str| {
        move |i: usize| {
            form(&format!("user{i}"), "x", "10.0.0.2:80")
                // Whatever the client wrote on the left, the proxy appended the real one.
                .insert_header(("x-forwarded-for", format!("192.0.2.{i}, {client_ip}")))
        }
    };
    assert_eq!(
        after_the_allowance(&mut client, via_proxy("198.51.100.1")).await,
        429
    );
    // Another client behind the same proxy: its own count.
    let reply = client.send(via_proxy("198.51.100.2")(0)).await;
    assert_eq!(reply.status, 401);
}

#[actix_rt::test]
async fn t5_a_forwarding_header_from_an_untrusted_peer_picks_no_address() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    // No trusted proxies: the peer is the client, whatever the header says.
    let mut direct = client(LoginManager::new(), throttle).await;
    let spoofing = |i: usize| {
        form(&format!("user{i}"), "x", PEER)
            .insert_header(("x-forwarded-for", format!("198.51.100.{i}")))
    };
    assert_eq!(after_the_allowance(&mut direct, spoofing).await, 429);

    // Trusting a proxy does not make its clients' own header count either: the forwarded
    // header of a peer that is not the proxy is ignored.
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let manager = LoginManager::new().trusted_proxies(["10.0.0.2".parse().unwrap()]);
    let mut proxied = client(manager, throttle).await;
    assert_eq!(after_the_allowance(&mut proxied, spoofing).await, 429);
}

#[actix_rt::test]
async fn t5_without_a_login_manager_the_attempt_is_a_500_that_names_the_fix() {
    let (logs, _guard) = Logs::capture();
    let app = App::new()
        .app_data(web::Data::new(LoginThrottle::new(policy())))
        .service(sign_in);
    let mut client = Client::new(init_service(app).await);
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (500, None, "internal server error"));
    let text = logs.text();
    assert!(
        text.contains("`LoginThrottle::attempt` on /sign-in needs a `LoginManager`"),
        "{text}"
    );
}

#[actix_rt::test]
async fn t6_an_unknown_account_is_throttled_exactly_like_a_known_one() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    let mut sequences = Vec::new();
    for (name, peer) in [("notch", "198.51.100.1:1"), ("nobody", "198.51.100.2:1")] {
        let mut sequence = Vec::new();
        for step in 0..9 {
            let reply = client.send(form(name, "wrong", peer)).await;
            sequence.push((
                reply.status,
                reply.header("retry-after").map(str::to_owned),
                reply.body,
            ));
            clock.advance(Duration::from_millis(700 * step));
        }
        sequences.push(sequence);
    }
    assert_eq!(sequences[0], sequences[1]);
    assert!(sequences[0].iter().any(|(status, ..)| *status == 429));
}

#[actix_rt::test]
async fn t6_names_are_trimmed_lowercased_and_capped_and_odd_ones_are_harmless() {
    let clock = TestClock::new();
    let (throttle, store) = memory_throttle(policy().no_address_limit(), 1_000, &clock);
    let seen_names: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen_names);
    let manager = LoginManager::new().on_event(move |_req, event| {
        if let login_runtime::LoginEvent::Throttled(throttled) = event {
            sink.lock().unwrap().push(throttled.account().to_owned());
        }
    });
    let mut client = client(manager, throttle).await;
    for name in ["notch", " NOTCH ", "Notch\t", "nOtCh"] {
        assert_eq!(
            client.send(form(name, "x", PEER)).await.status,
            401,
            "{name:?}"
        );
    }
    assert_eq!(client.send(form("\nnotch", "x", PEER)).await.status, 429);

    // 10 kB names: one key once past 256 bytes (cut at a character boundary), the same small
    // entry either way.
    let long = format!("{}{}{}", "x".repeat(255), "é".repeat(10), "y".repeat(9_000));
    for i in 0..4 {
        let name = format!("{long}{i}");
        assert_eq!(client.send(form(&name, "x", PEER)).await.status, 401);
    }
    assert_eq!(client.send(form(&long, "x", PEER)).await.status, 429);
    assert_eq!(store.len(), 2);
    let names = seen_names.lock().unwrap().clone();
    assert_eq!(names, ["notch".to_owned(), "x".repeat(255)]);

    // Odd bytes are names like any other: a wrong password, never a 500.
    for name in [
        "",
        " ",
        "\u{0}",
        "\u{202e}nimda",
        "🧱⛏️",
        "%00",
        "a\r\nSet-Cookie: x=1",
        "\u{FEFF}",
    ] {
        let reply = client.send(form(name, "x", PEER)).await;
        assert_eq!(seen(&reply), (401, None, WRONG), "{name:?}");
    }
}

#[actix_rt::test]
async fn t7_an_attempt_that_ends_without_a_verdict_counts_as_a_failure() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    for _ in 0..4 {
        let broken = form("notch", "minecraft", PEER).uri("/sign-in-broken");
        assert_eq!(client.send(broken).await.status, 500);
    }
    let reply = client.send(form("notch", "minecraft", PEER)).await;
    assert_eq!(seen(&reply), (429, Some("1"), REFUSED));
}

#[actix_rt::test]
async fn t8_the_in_process_store_stays_within_its_capacity_and_keeps_a_locked_account() {
    let clock = TestClock::new();
    let (throttle, store) = memory_throttle(policy(), 64, &clock);
    let mut client = client(LoginManager::new(), throttle).await;
    for _ in 0..6 {
        assert_eq!(client.send(form("notch", "x", PEER)).await.status, 401);
        clock.advance(8 * SECOND);
    }
    // A flood of made-up names from as many addresses, one failure each.
    let mut most = 0;
    for i in 0..1_000 {
        let peer = format!("198.51.{}.{}:1", i / 256, i % 256);
        let reply = client.send(form(&format!("made-up-{i}"), "x", &peer)).await;
        assert_eq!(reply.status, 401);
        most = most.max(store.len());
    }
    assert_eq!(most, 64, "filled up to its capacity, never past it");
    assert_eq!(store.capacity(), 64);
    let reply = client.send(form("notch", "minecraft", "192.0.2.1:1")).await;
    assert_eq!(
        seen(&reply),
        (429, Some("52"), REFUSED),
        "locked at 40 s until 100 s; now 48 s"
    );
}

/// Each event's name; for `Throttled`: the wait (exact and in whole seconds), the count, its
/// failures and the account.
type Events = Arc<
    Mutex<
        Vec<(
            &'static str,
            Option<(Duration, u64, ThrottleScope, u32, String)>,
        )>,
    >,
>;

#[actix_rt::test]
async fn t9_each_refused_attempt_fires_throttled_with_the_wait_and_the_count() {
    let clock = TestClock::new();
    let (throttle, _) = memory_throttle(policy(), 1_000, &clock);
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let manager = LoginManager::new().on_event(move |_req, event| {
        let details = match event {
            login_runtime::LoginEvent::Throttled(throttled) => Some((
                throttled.retry_after(),
                throttled.retry_after_secs(),
                throttled.scope(),
                throttled.failures(),
                throttled.account().to_owned(),
            )),
            _ => None,
        };
        sink.lock().unwrap().push((event.name(), details));
    });
    let (logs, _guard) = Logs::capture();
    let mut client = client(manager, throttle).await;
    for _ in 0..4 {
        assert_eq!(client.send(form("Notch", "x", PEER)).await.status, 401);
    }
    assert!(
        events.lock().unwrap().is_empty(),
        "nothing for attempts let through"
    );
    clock.advance(Duration::from_millis(250));
    assert_eq!(client.send(form("Notch", "x", PEER)).await.status, 429);
    assert_eq!(
        *events.lock().unwrap(),
        [(
            "throttled",
            Some((
                Duration::from_millis(750),
                1,
                ThrottleScope::Account,
                4,
                "notch".to_owned()
            ))
        )]
    );
    let text = logs.text();
    assert!(text.contains("event=\"throttled\""), "{text}");

    // The address's count, for a name of its own.
    events.lock().unwrap().clear();
    clock.advance(SECOND);
    for i in 0..7 {
        assert_eq!(
            client
                .send(form(&format!("user{i}"), "x", PEER))
                .await
                .status,
            401
        );
    }
    assert_eq!(client.send(form("user7", "x", PEER)).await.status, 429);
    let seen = events.lock().unwrap().clone();
    assert!(
        matches!(&seen[..], [("throttled", Some((wait, 1, ThrottleScope::Address, 11, name)))] if *wait == SECOND && name == "user7"),
        "{seen:?}"
    );
}
