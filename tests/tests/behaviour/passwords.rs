//! Passwords (feature `argon2`): `login_runtime::password::Passwords` behind a real login
//! route, as an app uses it (P1–P6). Light parameters (64 KiB, one pass) wherever the
//! parameters are not the point, so the suite stays fast.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, HttpRequest, HttpResponse, ResponseError, get, post, web};
use login_runtime::password::{MAX_PASSWORD_BYTES, Params, Passwords, Verified};
use login_runtime::{CurrentUser, LoginManager, UserMixin, login_user, user_loader};
use login_runtime_tests::logs::Logs;
use login_runtime_tests::{Client, session_middleware};
use serde::Deserialize;

const WRONG: &str = "Wrong username or password.";

/// Fast, and far too weak outside tests.
fn light() -> Passwords {
    Passwords::with_params(Params::new(64, 1, 1, None).unwrap())
}

#[derive(Clone, UserMixin)]
struct Member {
    id: u64,
}

#[user_loader]
async fn load_member(id: u64) -> Option<Member> {
    Some(Member { id })
}

/// The user table: username → (id, stored PHC string).
#[derive(Default)]
struct Accounts(Mutex<HashMap<String, (u64, String)>>);

impl Accounts {
    fn insert(&self, username: &str, stored: &str) {
        let mut accounts = self.0.lock().unwrap();
        let id = accounts.len() as u64 + 1;
        accounts.insert(username.to_owned(), (id, stored.to_owned()));
    }

    fn find(&self, username: &str) -> Option<(u64, String)> {
        self.0.lock().unwrap().get(username).cloned()
    }

    fn stored(&self, username: &str) -> String {
        self.find(username).unwrap().1
    }

    fn replace_hash(&self, username: &str, stored: String) {
        if let Some(account) = self.0.lock().unwrap().get_mut(username) {
            account.1 = stored;
        }
    }
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[post("/register")]
async fn register(
    form: web::Form<Credentials>,
    accounts: web::Data<Accounts>,
    passwords: web::Data<Passwords>,
) -> actix_web::Result<HttpResponse> {
    let Credentials { username, password } = form.into_inner();
    let stored = passwords.hash(password).await?;
    accounts.insert(&username, &stored);
    Ok(HttpResponse::Created().finish())
}

/// The login handler the tutorial shows: one verification whether or not the user exists, and
/// the hash replaced when it was made with other parameters.
#[post("/login")]
async fn login(
    req: HttpRequest,
    form: web::Form<Credentials>,
    accounts: web::Data<Accounts>,
    passwords: web::Data<Passwords>,
) -> actix_web::Result<HttpResponse> {
    let Credentials { username, password } = form.into_inner();
    let account = accounts.find(&username);
    let stored = account.as_ref().map(|(_, stored)| stored.as_str());
    match (passwords.verify(&password, stored).await?, account) {
        (Verified::Match { needs_rehash }, Some((id, _))) => {
            if needs_rehash {
                accounts.replace_hash(&username, passwords.hash(password).await?);
            }
            if !login_user(&req, &Member { id })?.is_logged_in() {
                return Ok(HttpResponse::Forbidden().finish());
            }
            Ok(HttpResponse::NoContent().finish())
        }
        _ => Ok(HttpResponse::Ok().body(WRONG)),
    }
}

#[get("/me")]
async fn me(member: CurrentUser<Member>) -> String {
    format!("{:?}", member.get_id())
}

/// A client of an app with these accounts and these passwords.
async fn client(
    accounts: web::Data<Accounts>,
    passwords: Passwords,
) -> Client<
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let app = App::new()
        .app_data(accounts)
        .app_data(web::Data::new(passwords))
        .wrap(LoginManager::<Member>::new())
        .wrap(session_middleware())
        .service(register)
        .service(login)
        .service(me);
    Client::new(init_service(app).await)
}

fn form(path: &str, username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .set_form([("username", username), ("password", password)])
}

#[actix_rt::test]
async fn p1_a_hash_is_an_argon2id_phc_string_with_the_owasp_parameters() {
    for passwords in [Passwords::new(), Passwords::default()] {
        let stored = passwords.hash("minecraft").await.unwrap();
        let fields: Vec<&str> = stored.split('$').collect();
        assert_eq!(
            fields[..4],
            ["", "argon2id", "v=19", "m=19456,t=2,p=1"],
            "{stored}"
        );
        // Unpadded base64: a 16-byte salt and a 32-byte hash, and nothing after them.
        assert_eq!(fields[4].len(), 22, "{stored}");
        assert_eq!(fields[5].len(), 43, "{stored}");
        assert_eq!(fields.len(), 6, "{stored}");
        assert!(!stored.contains("minecraft"));
    }
}

#[actix_rt::test]
async fn p1_two_hashes_of_the_same_password_differ() {
    let passwords = light();
    let first = passwords.hash("minecraft").await.unwrap();
    let second = passwords.hash("minecraft").await.unwrap();
    assert_ne!(first, second, "a fresh salt each time");
    // Both verify.
    for stored in [&first, &second] {
        let verified = passwords.verify("minecraft", Some(stored)).await.unwrap();
        assert_eq!(
            verified,
            Verified::Match {
                needs_rehash: false
            }
        );
    }
}

#[actix_rt::test]
async fn p2_the_right_password_logs_in_and_a_wrong_one_does_not() {
    let accounts = web::Data::new(Accounts::default());
    let mut client = client(accounts.clone(), light()).await;
    let res = client.send(form("/register", "notch", "minecraft")).await;
    assert_eq!(res.status, 201);

    for wrong in ["diamond", "Minecraft", "minecraft ", ""] {
        let res = client.send(form("/login", "notch", wrong)).await;
        assert_eq!(
            (res.status.as_u16(), res.body.as_str()),
            (200, WRONG),
            "{wrong:?}"
        );
        assert_eq!(client.get("/me").await.body, "None");
    }
    let res = client.send(form("/login", "notch", "minecraft")).await;
    assert_eq!(res.status, 204);
    assert_eq!(client.get("/me").await.body, "Some(\"1\")");

    let passwords = light();
    let stored = accounts.stored("notch");
    let right = passwords.verify("minecraft", Some(&stored)).await.unwrap();
    assert_eq!(
        right,
        Verified::Match {
            needs_rehash: false
        }
    );
    assert!(right.is_match());
    let wrong = passwords.verify("diamond", Some(&stored)).await.unwrap();
    assert_eq!(wrong, Verified::Mismatch);
    assert!(!wrong.is_match());
}

#[actix_rt::test]
async fn p3_an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let accounts = web::Data::new(Accounts::default());
    let mut client = client(accounts.clone(), light()).await;
    assert_eq!(
        client
            .send(form("/register", "notch", "minecraft"))
            .await
            .status,
        201
    );

    let wrong_password = client.send(form("/login", "notch", "diamond")).await;
    let unknown_user = client.send(form("/login", "nobody", "minecraft")).await;
    assert_eq!(
        (unknown_user.status, unknown_user.body.as_str()),
        (wrong_password.status, wrong_password.body.as_str())
    );
    assert_eq!(client.get("/me").await.body, "None");

    // Whatever the password, no user is no match.
    let passwords = light();
    for password in ["minecraft", "", "not the password of any account"] {
        let verified = passwords.verify(password, None).await.unwrap();
        assert_eq!(verified, Verified::Mismatch, "{password:?}");
    }
}

/// The fastest of three verifications, each a mismatch: the fastest filters out a busy machine.
async fn fastest_mismatch(passwords: &Passwords, password: &str, stored: Option<&str>) -> Duration {
    let mut fastest = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let verified = passwords.verify(password, stored).await.unwrap();
        fastest = fastest.min(start.elapsed());
        assert_eq!(verified, Verified::Mismatch);
    }
    fastest
}

#[actix_rt::test]
async fn p3_an_unknown_user_costs_as_much_time_as_a_wrong_password() {
    // The OWASP parameters, where one verification takes milliseconds: skipping the dummy
    // verification would make an unknown user a hundred times faster or more, which the
    // generous factor below cannot hide.
    let passwords = Passwords::new();
    let stored = passwords.hash("minecraft").await.unwrap();
    let wrong_password = fastest_mismatch(&passwords, "diamond", Some(&stored)).await;
    let unknown_user = fastest_mismatch(&passwords, "diamond", None).await;
    assert!(
        unknown_user * 3 >= wrong_password,
        "unknown user {unknown_user:?}, wrong password {wrong_password:?}"
    );
}

#[actix_rt::test]
async fn p4_a_hash_made_with_weaker_parameters_matches_and_needs_a_rehash() {
    let stored = light().hash("minecraft").await.unwrap();
    let passwords = Passwords::new();
    assert!(passwords.needs_rehash(&stored));
    assert_eq!(
        passwords.verify("minecraft", Some(&stored)).await.unwrap(),
        Verified::Match { needs_rehash: true }
    );
    // Still only for the right password.
    assert_eq!(
        passwords.verify("diamond", Some(&stored)).await.unwrap(),
        Verified::Mismatch
    );

    let rehashed = passwords.hash("minecraft").await.unwrap();
    assert!(!passwords.needs_rehash(&rehashed));
    assert!(light().needs_rehash(&rehashed), "stronger is different too");
    assert!(passwords.needs_rehash("not a hash"));
}

#[actix_rt::test]
async fn p4_logging_in_replaces_a_hash_made_with_other_parameters() {
    let accounts = web::Data::new(Accounts::default());
    accounts.insert("notch", &light().hash("minecraft").await.unwrap());
    let mut client = client(accounts.clone(), Passwords::new()).await;

    // A wrong password changes nothing.
    let weak = accounts.stored("notch");
    assert_eq!(
        client.send(form("/login", "notch", "diamond")).await.body,
        WRONG
    );
    assert_eq!(accounts.stored("notch"), weak);

    assert_eq!(
        client
            .send(form("/login", "notch", "minecraft"))
            .await
            .status,
        204
    );
    let upgraded = accounts.stored("notch");
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );

    // The new hash logs in, and is kept.
    let mut client = self::client(accounts.clone(), Passwords::new()).await;
    assert_eq!(
        client
            .send(form("/login", "notch", "minecraft"))
            .await
            .status,
        204
    );
    assert_eq!(accounts.stored("notch"), upgraded);
}

#[actix_rt::test]
async fn p5_a_malformed_stored_hash_is_an_opaque_500_and_logged_without_it() {
    let (logs, _guard) = Logs::capture();
    let salt = "c2FsdHNhbHRzYWx0c2FsdA";
    let output = "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8";
    let malformed = [
        String::new(),
        "plaintext-minecraft".to_owned(), // a password stored in clear
        "$argon2id$v=19$m=64,t=1,p=1".to_owned(),
        format!("$argon2id$v=19$m=64,t=1,p=1${salt}"),
        format!("$argon2id$v=19$m=64,t=1,p=1,x=1${salt}${output}"),
        format!("$argon2id$v=99$m=64,t=1,p=1${salt}${output}"),
        format!("$scrypt$ln=15,r=8,p=1${salt}${output}"),
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_owned(),
    ];
    for stored in &malformed {
        let err = light()
            .verify("plaintext-minecraft", Some(stored))
            .await
            .unwrap_err();
        assert!(!err.is_too_long());
        // For the app's own logs: what went wrong, with argon2's reason as the source.
        assert!(
            err.to_string()
                .starts_with("a stored password hash cannot be verified"),
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_some(), "{stored:?}");
        let res = err.error_response();
        assert_eq!(res.status(), 500, "{stored:?}");
        let body = res.into_body().try_into_bytes().unwrap();
        assert_eq!(body, "internal server error", "{stored:?}");

        // Through the login route: the same 500, and nobody logged in.
        let accounts = web::Data::new(Accounts::default());
        accounts.insert("notch", stored);
        let mut client = client(accounts, light()).await;
        let res = client
            .send(form("/login", "notch", "plaintext-minecraft"))
            .await;
        assert_eq!(
            (res.status.as_u16(), res.body.as_str()),
            (500, "internal server error"),
            "{stored:?}"
        );
        assert_eq!(client.get("/me").await.body, "None");
    }
    let text = logs.text();
    assert!(
        text.contains("a stored password hash cannot be verified"),
        "{text}"
    );
    assert!(!text.contains("plaintext-minecraft"), "{text}");
    assert!(!text.contains(salt), "{text}");
}

#[actix_rt::test]
async fn p6_a_password_over_4096_bytes_is_refused_and_never_matches() {
    let (logs, _guard) = Logs::capture();
    let at_the_bound = "x".repeat(MAX_PASSWORD_BYTES);
    let over = "x".repeat(MAX_PASSWORD_BYTES + 1);
    let accounts = web::Data::new(Accounts::default());
    let mut client = client(accounts.clone(), light()).await;

    // Registering: refused with a 400 that says why.
    let res = client.send(form("/register", "notch", &over)).await;
    assert_eq!(
        (res.status.as_u16(), res.body.as_str()),
        (400, "password too long")
    );
    assert!(accounts.find("notch").is_none());
    let err = light().hash(over.clone()).await.unwrap_err();
    assert!(err.is_too_long());
    assert!(light().hash_blocking(&over).unwrap_err().is_too_long());
    assert!(
        logs.text()
            .contains("refused to hash a password of 4097 bytes")
    );

    // At the bound, it is an ordinary password.
    let res = client.send(form("/register", "notch", &at_the_bound)).await;
    assert_eq!(res.status, 201);
    let res = client.send(form("/login", "notch", &at_the_bound)).await;
    assert_eq!(res.status, 204);

    // Logging in with one: a wrong password, not an error.
    let mut client = self::client(accounts.clone(), light()).await;
    for username in ["notch", "nobody"] {
        let res = client.send(form("/login", username, &over)).await;
        assert_eq!(
            (res.status.as_u16(), res.body.as_str()),
            (200, WRONG),
            "{username}"
        );
    }
    let stored = accounts.stored("notch");
    let verified = light().verify(over.clone(), Some(&stored)).await.unwrap();
    assert_eq!(verified, Verified::Mismatch);

    // And it costs a verification all the same (the dummy one), like a wrong password.
    let passwords = Passwords::new();
    let stored = passwords.hash("minecraft").await.unwrap();
    let wrong_password = fastest_mismatch(&passwords, "diamond", Some(&stored)).await;
    let too_long = fastest_mismatch(&passwords, &over, Some(&stored)).await;
    assert!(
        too_long * 3 >= wrong_password,
        "over-long password {too_long:?}, wrong password {wrong_password:?}"
    );
}
