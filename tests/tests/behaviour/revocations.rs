//! The revocation store's edges (docs/behaviour.md S8): capacity, a store that fails, and what
//! a record carries.

use std::future::Future;
use std::pin::Pin;

use actix_web::test::init_service;
use actix_web::{HttpRequest, get, web};
use login_runtime::{
    LoginManager, LoginRef, MemoryRevocations, RevocationStore, StoreError, StoreFuture,
    logout_everywhere,
};
use login_runtime_tests::app::app_on;
use login_runtime_tests::logs::Logs;
use login_runtime_tests::memory_store::MemoryStore;
use login_runtime_tests::{Client, Store, User, routes};

/// `/everywhere/{id}`: `logout_everywhere` for fixture user `id`.
#[get("/everywhere/{id}")]
async fn everywhere(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<&'static str> {
    let user = User {
        id: *id,
        name: String::new(),
        active: true,
    };
    logout_everywhere(&req, &user).await?;
    Ok("done")
}

fn app_with_store(
    revocations: impl RevocationStore,
    sessions: Option<MemoryStore>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let sessions = actix_session::SessionMiddleware::builder(
        sessions.unwrap_or_default(),
        login_runtime_tests::app::key(),
    )
    .cookie_secure(false)
    .build();
    let manager = LoginManager::<User>::new().revocation_store(revocations);
    app_on(manager, web::Data::new(Store::default()), sessions).service(everywhere)
}

#[actix_rt::test]
async fn s8_a_full_store_still_takes_a_repeat_of_a_users_revocation() {
    // Room for one user: revoking that same user again widens the entry, it is no new one.
    let app = init_service(app_with_store(MemoryRevocations::with_capacity(1), None)).await;
    let mut client = Client::new(&app);
    assert_eq!(client.get("/everywhere/1").await.status, 200);
    assert_eq!(
        client.get("/everywhere/1").await.status,
        200,
        "the same user again"
    );
    let reply = client.get("/everywhere/2").await;
    assert_eq!(
        reply.status, 503,
        "a second user does not fit: the logout says so"
    );
}

#[actix_rt::test]
async fn s8_a_full_store_widens_a_logout_to_the_user_and_still_ends_the_login() {
    // Room for one login id: the second logout is recorded as "all of this user's logins".
    let app = init_service(app_with_store(MemoryRevocations::with_capacity(1), None)).await;
    let mut first = Client::new(&app);
    first.get("/login/steve").await;
    let first_copy = first.cookies.clone();
    assert_eq!(first.get("/logout").await.status, 200);
    let mut other_device = Client::new(&app);
    other_device.get("/login/notch").await;
    let mut second = Client::new(&app);
    second.get("/login/notch").await;
    let copy = second.cookies.clone();
    assert_eq!(second.get("/logout").await.status, 200);
    let mut replay = Client::new(&app);
    replay.cookies = copy;
    assert_eq!(replay.get("/username").await.body, "Anonymous");
    assert_eq!(
        other_device.get("/username").await.body,
        "Anonymous",
        "widened: every login of the user made so far"
    );
    let mut replay = Client::new(&app);
    replay.cookies = first_copy;
    assert_eq!(
        replay.get("/username").await.body,
        "Anonymous",
        "the revocation that filled the store is still there"
    );
}

/// A store that is down: every call fails.
struct Down;

impl RevocationStore for Down {
    fn revoke_login<'a>(&'a self, _: LoginRef<'a>, _: u64) -> StoreFuture<'a, ()> {
        failed()
    }

    fn revoke_user<'a>(&'a self, _: &'a str, _: &'a str, _: u64, _: u64) -> StoreFuture<'a, ()> {
        failed()
    }

    fn is_revoked<'a>(&'a self, _: LoginRef<'a>) -> StoreFuture<'a, bool> {
        failed()
    }
}

fn failed<'a, T: 'a>() -> Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>> {
    Box::pin(std::future::ready(Err(StoreError(
        "connection refused by 10.0.0.9:6379".to_owned(),
    ))))
}

#[actix_rt::test]
async fn s8_a_store_that_is_down_fails_closed_and_the_log_says_why() {
    let (logs, _guard) = Logs::capture();
    let sessions = MemoryStore::default();
    let app = init_service(app_with_store(Down, Some(sessions))).await;
    let mut client = Client::new(&app);
    client.get("/login/notch").await;
    let reply = client.get("/username").await;
    assert_eq!(
        reply.status, 503,
        "a login the store cannot vouch for is no login"
    );
    assert_eq!(reply.body, "service unavailable");
    assert_eq!(
        client.get("/logout").await.status,
        503,
        "nor is a logout done"
    );
    assert!(
        logs.text().contains("connection refused by 10.0.0.9:6379"),
        "{}",
        logs.text()
    );
}

#[actix_rt::test]
async fn s6_a_plain_login_record_holds_no_last_use_remember_lifetime_or_replacements() {
    let sessions = MemoryStore::default();
    let app = init_service(app_with_store(
        MemoryRevocations::default(),
        Some(sessions.clone()),
    ))
    .await;
    let mut client = Client::new(&app);
    client.get("/login/notch").await;
    let records = sessions.login_records();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert!(record.contains_key("lid"), "{record:?}");
    assert_eq!(record["seen"], "0", "no last use without an idle timeout");
    assert_eq!(record["remember"], "0", "no remember cookie");
    assert_eq!(
        record["flags"], "1",
        "fresh, neither forced nor overflowing"
    );
    for empty in ["replaced", "hash"] {
        assert!(!record.contains_key(empty), "{empty} in {record:?}");
    }
}

#[actix_rt::test]
async fn s8_a_full_store_makes_room_by_dropping_revocations_that_have_expired() {
    // Logins last one second here, so a revocation is needed for about one second: after it,
    // its room is free again, and the next logout revokes just that login, not the user's
    // other devices too.
    let revocations = MemoryRevocations::with_capacity(1);
    let sessions = actix_session::SessionMiddleware::builder(
        actix_session::storage::CookieSessionStore::default(),
        login_runtime_tests::app::key(),
    )
    .cookie_secure(false)
    .build();
    let manager = LoginManager::<User>::new()
        .absolute_timeout(std::time::Duration::from_secs(1))
        .revocation_store(revocations);
    let app = actix_web::App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(sessions)
        .configure(routes);
    let app = init_service(app).await;
    let mut steve = Client::new(&app);
    steve.get("/login/steve").await;
    assert_eq!(steve.get("/logout").await.status, 200, "fills the store");
    actix_rt::time::sleep(std::time::Duration::from_millis(2100)).await;

    let mut laptop = Client::new(&app);
    laptop.get("/login/notch").await;
    let mut phone = Client::new(&app);
    phone.get("/login/notch").await;
    assert_eq!(laptop.get("/logout").await.status, 200);
    assert_eq!(
        phone.get("/username").await.body,
        "Notch",
        "only the laptop's login was revoked"
    );
}

#[actix_rt::test]
async fn s8_a_full_store_makes_room_by_dropping_user_revocations_that_have_expired() {
    // As above, for "log out everywhere": one user's entry, needed for about a second.
    let manager = LoginManager::<User>::new()
        .absolute_timeout(std::time::Duration::from_secs(1))
        .revocation_store(MemoryRevocations::with_capacity(1));
    let sessions = actix_session::SessionMiddleware::builder(
        actix_session::storage::CookieSessionStore::default(),
        login_runtime_tests::app::key(),
    )
    .cookie_secure(false)
    .build();
    let app = actix_web::App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(manager)
        .wrap(sessions)
        .configure(routes)
        .service(everywhere);
    let app = init_service(app).await;
    let mut client = Client::new(&app);
    assert_eq!(
        client.get("/everywhere/1").await.status,
        200,
        "fills the store"
    );
    assert_eq!(client.get("/everywhere/2").await.status, 503, "no room yet");
    actix_rt::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(client.get("/everywhere/2").await.status, 200, "room again");
}

#[actix_rt::test]
async fn s2_a_session_that_logs_in_again_and_again_still_ends_every_copy_at_logout() {
    // A record lists up to eight logins it replaced; past that, logout ends every login of the
    // user made before the current one (other devices too: the price of the bound).
    let app = init_service(app_with_store(MemoryRevocations::default(), None)).await;
    let mut other_device = Client::new(&app);
    other_device.get("/login/notch").await;

    let mut browser = Client::new(&app);
    browser.get("/login/notch").await;
    let first = browser.cookies.clone();
    for _ in 0..8 {
        browser.get("/login/notch").await; // eight replaced: all listed
    }
    assert_eq!(browser.get("/logout").await.status, 200);
    let mut copy = Client::new(&app);
    copy.cookies = first;
    assert_eq!(
        copy.get("/username").await.body,
        "Anonymous",
        "the first login's copy"
    );
    assert_eq!(
        other_device.get("/username").await.body,
        "Notch",
        "eight re-logins are listed: the other device is untouched"
    );

    let mut browser = Client::new(&app);
    browser.get("/login/notch").await;
    let first = browser.cookies.clone();
    for _ in 0..9 {
        browser.get("/login/notch").await; // nine replaced: past the list
    }
    assert_eq!(browser.get("/logout").await.status, 200);
    let mut copy = Client::new(&app);
    copy.cookies = first;
    assert_eq!(copy.get("/username").await.body, "Anonymous", "still ended");
    assert_eq!(
        other_device.get("/username").await.body,
        "Anonymous",
        "past the list, logout ended every earlier login of the user"
    );
}

/// A store that records the `until` of every revocation, by kind, and revokes nothing.
#[derive(Clone, Default)]
struct Recording {
    logins: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
    users: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
}

impl Recording {
    fn record(list: &std::sync::Mutex<Vec<u64>>, until: u64) -> StoreFuture<'static, ()> {
        if let Ok(mut untils) = list.lock() {
            untils.push(until);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    /// How far from now each recorded revocation of `list` lasts, in seconds.
    fn from_now(list: &std::sync::Mutex<Vec<u64>>) -> Vec<u64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        list.lock()
            .map(|untils| {
                untils
                    .iter()
                    .map(|until| until.saturating_sub(now))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl RevocationStore for Recording {
    fn revoke_login<'a>(&'a self, _: LoginRef<'a>, until: u64) -> StoreFuture<'a, ()> {
        Self::record(&self.logins, until)
    }

    fn revoke_user<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Self::record(&self.users, until)
    }

    fn is_revoked<'a>(&'a self, _: LoginRef<'a>) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(false)))
    }
}

/// "Log out everywhere" must outlast every remember cookie the user may hold, not just the
/// session logins: a cookie copied before it can live as long as remember-me allows (400 days
/// at most), and once the revocation lapsed it would log the copier in again.
#[actix_rt::test]
async fn s8_log_out_everywhere_lasts_as_long_as_any_remember_cookie_can() {
    let store = Recording::default();
    let manager = LoginManager::<User>::new()
        .revocation_store(store.clone())
        .remember_me(login_runtime_tests::remember_me())
        .absolute_timeout(std::time::Duration::from_secs(3600));
    let sessions = actix_session::SessionMiddleware::builder(
        MemoryStore::default(),
        login_runtime_tests::app::key(),
    )
    .cookie_secure(false)
    .build();
    let app = app_on(manager, web::Data::new(Store::default()), sessions).service(everywhere);
    let app = init_service(app).await;
    let mut client = Client::new(&app);
    assert_eq!(client.get("/everywhere/1").await.status, 200);
    let lasts = Recording::from_now(&store.users);
    assert_eq!(lasts.len(), 1, "{lasts:?}");
    let four_hundred_days = 400 * 24 * 60 * 60;
    assert!(
        lasts[0] >= four_hundred_days - 5,
        "revoked for {} s, not the 400 days a remember cookie can live",
        lasts[0]
    );
}

/// A logout revokes the remember cookie the request carries even when it belongs to another
/// login than the session's (a copy from another device): no copy of it logs in again.
#[actix_rt::test]
async fn s2_logout_revokes_a_remember_cookie_from_another_login_too() {
    let manager = LoginManager::<User>::new().remember_me(login_runtime_tests::remember_me());
    let app = init_service(login_runtime_tests::app_with(
        manager,
        web::Data::new(Store::default()),
    ))
    .await;
    let mut phone = Client::new(&app);
    phone.get("/login/notch?remember=true").await;
    let cookie = phone
        .cookies
        .get("remember_token")
        .cloned()
        .expect("the phone's remember cookie");

    let mut laptop = Client::new(&app);
    laptop.get("/login/notch").await;
    laptop
        .cookies
        .insert("remember_token".to_owned(), cookie.clone());
    assert_eq!(laptop.get("/logout").await.status, 200);

    let mut copy = Client::with_cookies(&app, &[("remember_token", &cookie)]);
    assert_eq!(copy.get("/username").await.body, "Anonymous");
}

/// A login restored from the remember cookie remembers the cookie's lifetime, so that its
/// logout revokes it for as long as a copy of that cookie could log in: fourteen days here, not
/// the hour of the absolute timeout.
#[actix_rt::test]
async fn s2_logout_of_a_restored_login_lasts_as_long_as_its_cookie() {
    let store = Recording::default();
    let manager = LoginManager::<User>::new()
        .revocation_store(store.clone())
        .remember_me(login_runtime_tests::remember_me())
        .absolute_timeout(std::time::Duration::from_secs(3600));
    let app = init_service(login_runtime_tests::app_with(
        manager,
        web::Data::new(Store::default()),
    ))
    .await;
    let mut client = Client::new(&app);
    client.get("/login/notch?remember=true").await;
    client.cookies.remove("id");
    assert_eq!(client.get("/username").await.body, "Notch", "restored");
    // Without the cookie, only the restored session's record can say how long to revoke for.
    client.cookies.remove("remember_token");
    assert_eq!(client.get("/logout").await.status, 200);
    let lasts = Recording::from_now(&store.logins);
    let fourteen_days = 14 * 24 * 60 * 60;
    assert!(
        lasts.iter().any(|lasts| *lasts >= fourteen_days - 5),
        "revoked for {lasts:?} s"
    );
}
