//! Per-request cost of a `#[login_required]` handler that also takes `CurrentUser<User>`,
//! against a hand-written actix-session extractor doing the same work: read the id from the
//! session, look the user up in a `HashMap`, 302 when absent. Both apps run in-process through
//! `actix_web::test` with the same session cookie.
//!
//! Run: `cargo bench -p login-runtime-examples --bench guard`

// A benchmark's setup failing is a bug in the benchmark; `criterion_group!` makes undocumented items.
#![allow(clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_session::storage::CookieSessionStore;
use actix_session::{SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Payload, Service, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, get, web};
use criterion::{Criterion, criterion_group};
use login_runtime::{
    CurrentUser, LoginManager, SessionProtection, UserMixin, login_required, login_user,
    user_loader,
};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    name: String,
}

type Users = HashMap<u64, User>;

fn users() -> web::Data<Users> {
    let users = (1..=1000).map(|id| {
        (
            id,
            User {
                id,
                name: format!("user {id}"),
            },
        )
    });
    web::Data::new(users.collect())
}

fn session() -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(&[3; 64]))
        .cookie_secure(false)
        .build()
}

// ---- ours ----

#[user_loader]
async fn load_user(id: u64, users: web::Data<Users>) -> Option<User> {
    users.get(&id).cloned()
}

#[get("/profile")]
#[login_required]
async fn ours(user: CurrentUser<User>) -> String {
    user.user()
        .map_or_else(String::new, |user| user.name.clone())
}

#[get("/login")]
async fn login(req: HttpRequest, users: web::Data<Users>) -> actix_web::Result<&'static str> {
    let user = users
        .get(&42)
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorNotFound("no user"))?;
    let _logged_in = login_user(&req, &user)?.is_logged_in();
    Ok("ok")
}

// ---- hand-written ----

/// Reads the same session record the library writes (one line of text; the user id is the
/// last `|`-separated field of twelve).
fn record_id(record: &str) -> Option<u64> {
    record.splitn(12, '|').nth(11)?.parse().ok()
}

struct HandUser(User);

impl FromRequest for HandUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = req
            .get_session()
            .get::<String>("_login")
            .ok()
            .flatten()
            .and_then(|record| record_id(&record))
            .and_then(|id| req.app_data::<web::Data<Users>>()?.get(&id).cloned());
        ready(user.map(HandUser).ok_or_else(|| {
            let redirect = HttpResponse::Found()
                .insert_header(("location", "/login?next=%2Fprofile"))
                .finish();
            InternalError::from_response("login required", redirect).into()
        }))
    }
}

#[get("/profile")]
async fn hand(user: HandUser) -> String {
    user.0.name.clone()
}

async fn call<S, B>(app: &S, cookie: Option<&Cookie<'static>>) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::get().uri("/profile");
    if let Some(cookie) = cookie {
        req = req.cookie(cookie.clone());
    }
    call_service(app, req.to_request()).await.status().as_u16()
}

/// Our app with `manager`, serving `/profile` and a `/login` that logs user 42 in.
fn ours_app(
    manager: LoginManager<User>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(users())
        .wrap(manager)
        .wrap(session())
        .service(ours)
        .service(login)
}

/// Logs user 42 in through `/login` and returns the session cookie.
async fn login_cookie<S, B>(app: &S) -> Cookie<'static>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = call_service(app, TestRequest::get().uri("/login").to_request()).await;
    response
        .response()
        .cookies()
        .find(|cookie| cookie.name() == "id")
        .map(Cookie::into_owned)
        .expect("login sets the session cookie")
}

/// The three apps compared: ours doing the hand-written one's work, ours as shipped, and the
/// hand-written one.
///
/// Equal work: the hand-written extractor neither flashes a message nor checks the client, so
/// that configuration does not either. `default` is `LoginManager::new()` as shipped (plus the
/// app key every real app sets): Basic session protection (a keyed MAC of address and
/// User-Agent per request), the login message on every redirect (a marker cookie, since a
/// refusal creates no session), and the revocation lookup of every restored login.
async fn apps() -> (
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
) {
    // The app key keys the client fingerprint: without it, each process draws its own key, and
    // the cookies pinned by one process would not match the fingerprints of the next.
    let manager = LoginManager::<User>::new()
        .login_view("/login")
        .secret_key(&Key::from(&[3; 64]));
    let equal = init_service(ours_app(
        manager
            .clone()
            .no_login_message()
            .session_protection(SessionProtection::Off),
    ))
    .await;
    let default = init_service(ours_app(manager)).await;
    let hand_app = init_service(App::new().app_data(users()).wrap(session()).service(hand)).await;
    (equal, default, hand_app)
}

fn bench(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let (equal, default, hand_app) = system.block_on(apps());
    // One login per configuration (the record differs: `default` stores the client hash).
    let equal_cookie = system.block_on(login_cookie(&equal));
    let default_cookie = system.block_on(login_cookie(&default));
    for (status, cookie) in [(200, Some(&equal_cookie)), (302, None)] {
        assert_eq!(system.block_on(call(&equal, cookie)), status);
        assert_eq!(system.block_on(call(&hand_app, cookie)), status);
    }
    assert_eq!(system.block_on(call(&default, Some(&default_cookie))), 200);

    let mut group = c.benchmark_group("logged_in");
    group.bench_function("hand_written", |b| {
        b.iter(|| system.block_on(call(&hand_app, Some(black_box(&equal_cookie)))))
    });
    group.bench_function("login_runtime_equal_work", |b| {
        b.iter(|| system.block_on(call(&equal, Some(black_box(&equal_cookie)))))
    });
    group.bench_function("login_runtime_default", |b| {
        b.iter(|| system.block_on(call(&default, Some(black_box(&default_cookie)))))
    });
    group.finish();
    let mut group = c.benchmark_group("anonymous");
    group.bench_function("hand_written", |b| {
        b.iter(|| system.block_on(call(&hand_app, None)))
    });
    group.bench_function("login_runtime_equal_work", |b| {
        b.iter(|| system.block_on(call(&equal, None)))
    });
    group.bench_function("login_runtime_default", |b| {
        b.iter(|| system.block_on(call(&default, None)))
    });
    group.finish();

    // The headline ratio, measured interleaved so both sides see the same machine state.
    for (label, cookie) in [("logged in", Some(&equal_cookie)), ("anonymous", None)] {
        let (mut ours_time, mut hand_time) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..20 {
            let start = Instant::now();
            for _ in 0..500 {
                black_box(system.block_on(call(&equal, cookie)));
            }
            ours_time += start.elapsed();
            let start = Instant::now();
            for _ in 0..500 {
                black_box(system.block_on(call(&hand_app, cookie)));
            }
            hand_time += start.elapsed();
        }
        let per = |total: Duration| total.as_secs_f64() * 1e6 / 10_000.0;
        println!(
            "{label}, equal work: login-runtime {:.2} µs/request, hand-written {:.2} µs/request, ratio {:.3}",
            per(ours_time),
            per(hand_time),
            ours_time.as_secs_f64() / hand_time.as_secs_f64()
        );
    }
}

criterion_group!(benches, bench);

/// `GUARD_INSTRUCTIONS=<app>:<n>` runs `n` requests against one app (`ours`, `ours-default`,
/// `hand`; add `-anonymous` for requests without a cookie) and exits: for
/// `valgrind --tool=callgrind`, whose instruction counts do not depend on machine load
/// (see BENCHMARKS.md for the exact commands).
fn instructions_mode(spec: &str) {
    let (name, count) = spec.split_once(':').unwrap_or((spec, "10000"));
    let count: u32 = count.parse().expect("GUARD_INSTRUCTIONS=<app>:<count>");
    let (name, anonymous) = match name.strip_suffix("-anonymous") {
        Some(name) => (name, true),
        None => (name, false),
    };
    let system = actix_rt::System::new();
    let (equal, default, hand_app) = system.block_on(apps());
    // Session cookies are encrypted with a random nonce, and their percent-encoding (hence the
    // work to read them) varies with it; `GUARD_COOKIES=<equal>,<default>` pins them across
    // runs so the counts compare. `GUARD_INSTRUCTIONS=cookies` prints a pair.
    let (equal_cookie, default_cookie) = match std::env::var("GUARD_COOKIES") {
        Ok(pair) => {
            let (equal, default) = pair
                .split_once(',')
                .expect("GUARD_COOKIES=<equal>,<default>");
            (
                Cookie::new("id", equal.to_owned()),
                Cookie::new("id", default.to_owned()),
            )
        }
        Err(_) => (
            system.block_on(login_cookie(&equal)),
            system.block_on(login_cookie(&default)),
        ),
    };
    if name == "cookies" {
        println!("{},{}", equal_cookie.value(), default_cookie.value());
        return;
    }
    let equal_cookie = (!anonymous).then_some(equal_cookie);
    let default_cookie = (!anonymous).then_some(default_cookie);
    for _ in 0..count {
        let status = match name {
            "ours" => system.block_on(call(&equal, equal_cookie.as_ref())),
            "ours-default" => system.block_on(call(&default, default_cookie.as_ref())),
            _ => system.block_on(call(&hand_app, equal_cookie.as_ref())),
        };
        black_box(status);
    }
}

fn main() {
    if let Ok(spec) = std::env::var("GUARD_INSTRUCTIONS") {
        return instructions_mode(&spec);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
