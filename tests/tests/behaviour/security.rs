//! Promises beyond Flask-Login (docs/behaviour.md, security properties): the auth-hash check
//! (S3), contained loader panics (L2), and inactive users losing their login (S5).

use std::collections::HashMap;
use std::sync::Mutex;

use actix_session::SessionMiddleware;
use actix_web::test::init_service;
use actix_web::{App, HttpRequest, get, web};
use login_runtime::{
    CurrentUser, LoginManager, LoginOptions, RememberMe, UserMixin, login_user_with,
    update_session_auth_hash, user_loader,
};
use login_runtime_tests::Client;
use login_runtime_tests::app::key;
use login_runtime_tests::memory_store::MemoryStore;

#[derive(Clone, UserMixin)]
struct Account {
    id: u64,
    #[user(auth_hash)]
    password_hash: String,
}

/// Accounts by id; the password hash changes when the password does.
#[derive(Default)]
struct Accounts(Mutex<HashMap<u64, String>>);

impl Accounts {
    fn get(&self, id: u64) -> Option<Account> {
        let accounts = self.0.lock().unwrap();
        accounts.get(&id).map(|hash| Account {
            id,
            password_hash: hash.clone(),
        })
    }

    fn set(&self, id: u64, hash: &str) {
        self.0.lock().unwrap().insert(id, hash.to_owned());
    }
}

#[user_loader]
async fn load_account(id: u64, accounts: web::Data<Accounts>) -> Option<Account> {
    accounts.get(id)
}

#[get("/login/{id}")]
async fn login(
    req: HttpRequest,
    id: web::Path<u64>,
    accounts: web::Data<Accounts>,
) -> actix_web::Result<String> {
    let account = accounts
        .get(*id)
        .ok_or_else(|| actix_web::error::ErrorNotFound("no account"))?;
    let options = LoginOptions::default().remember(true);
    Ok(login_user_with(&req, &account, options)?
        .is_logged_in()
        .to_string())
}

#[get("/whoami")]
async fn whoami(user: CurrentUser<Account>) -> String {
    user.get_id().unwrap_or_else(|| "anonymous".to_owned())
}

/// Changes the password of the logged-in account and keeps this session.
#[get("/change-password/{hash}")]
async fn change_password(
    req: HttpRequest,
    hash: web::Path<String>,
    user: CurrentUser<Account>,
    accounts: web::Data<Accounts>,
) -> actix_web::Result<&'static str> {
    let Some(account) = user.user() else {
        return Ok("anonymous");
    };
    accounts.set(account.id, &hash);
    let changed = Account {
        id: account.id,
        password_hash: hash.into_inner(),
    };
    update_session_auth_hash(&req, &changed)?;
    Ok("changed")
}

/// The password-change app: account 1 with its first password, a server-side session store
/// (returned, to look into) and remember-me.
async fn accounts_app() -> (
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    MemoryStore,
) {
    let accounts = web::Data::new(Accounts::default());
    accounts.set(1, "argon2-hash-one");
    let sessions = MemoryStore::default();
    let app = App::new()
        .app_data(accounts)
        .wrap(
            LoginManager::<Account>::new()
                .secret_key(&key())
                .remember_me(RememberMe::new(&key()).secure(false)),
        )
        .wrap(
            SessionMiddleware::builder(sessions.clone(), key())
                .cookie_secure(false)
                .build(),
        )
        .service(login)
        .service(whoami)
        .service(change_password);
    (init_service(app).await, sessions)
}

#[actix_rt::test]
async fn s3_password_change_ends_other_sessions_and_remember_cookies_but_not_this_one() {
    let (app, sessions) = accounts_app().await;
    let mut laptop = Client::new(&app);
    let mut phone = Client::new(&app);
    assert_eq!(laptop.get("/login/1").await.body, "true");
    assert_eq!(phone.get("/login/1").await.body, "true");
    assert!(
        !sessions.dump().contains("argon2-hash-one"),
        "the session stores a MAC of the auth hash, never the hash: {}",
        sessions.dump()
    );
    let phone_remember = phone
        .cookies
        .get("remember_token")
        .cloned()
        .expect("remember cookie");

    assert_eq!(
        laptop.get("/change-password/argon2-hash-two").await.body,
        "changed"
    );
    assert_eq!(
        laptop.get("/whoami").await.body,
        "1",
        "the session that changed it stays"
    );
    assert_eq!(
        phone.get("/whoami").await.body,
        "anonymous",
        "every other session ends"
    );

    // The phone's remember cookie no longer restores the login either...
    let mut restored = Client::new(&app);
    restored
        .cookies
        .insert("remember_token".to_owned(), phone_remember);
    assert_eq!(restored.get("/whoami").await.body, "anonymous");
    // ...while the laptop's, re-issued with the change, does.
    let mut laptop_restart = Client::new(&app);
    let laptop_remember = laptop
        .cookies
        .get("remember_token")
        .cloned()
        .expect("remember cookie");
    laptop_restart
        .cookies
        .insert("remember_token".to_owned(), laptop_remember);
    assert_eq!(laptop_restart.get("/whoami").await.body, "1");
}

/// Before: the test above passed even when `update_session_auth_hash` left the session's
/// record alone, because the remember cookie silently logged the user in again. Without that
/// cookie, only the updated record keeps this session.
#[actix_rt::test]
async fn s3_a_password_change_keeps_this_session_by_its_record_alone() {
    let (app, _) = accounts_app().await;
    let mut laptop = Client::new(&app);
    assert_eq!(laptop.get("/login/1").await.body, "true");
    laptop.cookies.remove("remember_token");
    assert_eq!(
        laptop.get("/change-password/argon2-hash-two").await.body,
        "changed"
    );
    assert_eq!(laptop.get("/whoami").await.body, "1");
    assert_eq!(
        laptop.get("/whoami").await.body,
        "1",
        "and on the next request"
    );
}

/// A login restored from the remember cookie carries the auth-hash MAC into its session
/// record: the session then holds the login by itself (no re-restore from the cookie on every
/// request), and a later password change elsewhere ends it.
#[actix_rt::test]
async fn s3_a_login_restored_from_the_remember_cookie_is_bound_to_the_password_too() {
    let (app, _) = accounts_app().await;
    let mut phone = Client::new(&app);
    assert_eq!(phone.get("/login/1").await.body, "true");
    phone.cookies.remove("id");
    assert_eq!(
        phone.get("/whoami").await.body,
        "1",
        "restored from the cookie"
    );
    let remember = phone
        .cookies
        .remove("remember_token")
        .expect("remember cookie");
    assert_eq!(
        phone.get("/whoami").await.body,
        "1",
        "the restored session holds the login on its own"
    );
    phone.cookies.insert("remember_token".to_owned(), remember);

    let mut laptop = Client::new(&app);
    assert_eq!(laptop.get("/login/1").await.body, "true");
    assert_eq!(
        laptop.get("/change-password/argon2-hash-two").await.body,
        "changed"
    );
    assert_eq!(phone.get("/whoami").await.body, "anonymous");
}

#[derive(Clone, UserMixin)]
struct Fragile {
    id: u64,
}

/// A loader with a bug: it panics on one row.
#[user_loader]
async fn load_fragile(id: u64) -> Option<Fragile> {
    assert_ne!(id, 13, "corrupt row");
    Some(Fragile { id })
}

#[get("/fragile/login/{id}")]
async fn fragile_login(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<String> {
    Ok(login_runtime::login_user(&req, &Fragile { id: *id })?
        .is_logged_in()
        .to_string())
}

#[get("/fragile/whoami")]
async fn fragile_whoami(user: CurrentUser<Fragile>) -> String {
    user.get_id().unwrap_or_else(|| "anonymous".to_owned())
}

#[actix_rt::test]
async fn l2_a_panicking_loader_is_a_500_for_that_request_only() {
    let app = App::new()
        .wrap(LoginManager::<Fragile>::new())
        .wrap(login_runtime_tests::session_middleware())
        .service(fragile_login)
        .service(fragile_whoami);
    let app = init_service(app).await;
    let mut broken = Client::new(&app);
    broken.get("/fragile/login/13").await;
    let reply = broken.get("/fragile/whoami").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "internal server error");
    assert!(reply.set_cookies().is_empty(), "the session is kept");

    let mut healthy = Client::new(&app);
    healthy.get("/fragile/login/7").await;
    assert_eq!(
        healthy.get("/fragile/whoami").await.body,
        "7",
        "the same worker keeps serving"
    );
}

#[actix_rt::test]
async fn s5_a_user_who_became_inactive_loses_the_session_identity() {
    let (app, store) = login_runtime_tests::default_app();
    let mut client = Client::new(init_service(app).await);
    client.get("/login/notch").await;
    store.set_active(1, false);
    let reply = client.get("/username").await;
    assert_eq!(reply.body, "Anonymous");
    assert!(
        !reply.set_cookies().is_empty(),
        "the identity is removed from the session"
    );
    store.set_active(1, true);
    assert_eq!(
        client.get("/username").await.body,
        "Anonymous",
        "reactivation does not revive it"
    );
}
