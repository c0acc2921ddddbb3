//! Drives the `app` example in-process, through the same `App` its binary serves, on a
//! temporary SQLite file: what a user sees (status, `Location`, cookies, page text) in every
//! flow the example shows. Cookies are carried by hand, one jar per browser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::cookie::time::{Duration as CookieDuration, OffsetDateTime};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use login_runtime_examples::app::secret::KEY_FILE;
use login_runtime_examples::app::{
    self, AppState, Config, LOGIN_FAILED, PASSWORD_CHANGED, SESSION_TIMED_OUT, SetupError,
    USERNAME_TAKEN, WRONG_PASSWORD,
};

mod support;
use support::{ADMIN_PASSWORD, TempDb};

async fn start(config: Config) -> AppState {
    AppState::start(config).await.expect("the app starts").state
}

/// What a test looks at in a response.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    location: Option<String>,
    retry_after: Option<String>,
    body: String,
}

/// A browser's cookie jar, reduced to name → value.
#[derive(Debug, Default, Clone)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn attach(&self, req: TestRequest) -> TestRequest {
        if self.0.is_empty() {
            return req;
        }
        let cookies: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req.insert_header((header::COOKIE, cookies.join("; ")))
    }

    fn receive<B>(&mut self, res: &ServiceResponse<B>) {
        for cookie in res.response().cookies() {
            let expired = cookie
                .max_age()
                .is_some_and(|age| age <= CookieDuration::ZERO)
                || cookie
                    .expires_datetime()
                    .is_some_and(|at| at <= OffsetDateTime::now_utc());
            if expired {
                self.0.remove(cookie.name());
            } else {
                self.0
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// Closes the browser: the session cookie goes, the remember cookie stays.
    fn close_browser(&mut self) {
        self.0.remove("id");
    }
}

/// Sends `req` with the jar's cookies, and stores the cookies the response sets.
async fn send<S, B>(app: &S, jar: &mut Jar, req: TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, jar.attach(req).to_request()).await;
    jar.receive(&res);
    let header = |name| {
        res.headers()
            .get(name)
            .map(|value: &header::HeaderValue| value.to_str().expect("ASCII header").to_owned())
    };
    let (location, retry_after) = (header(header::LOCATION), header(header::RETRY_AFTER));
    let status = res.status();
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("UTF-8 body");
    Reply {
        status,
        location,
        retry_after,
        body,
    }
}

async fn get<S, B>(app: &S, jar: &mut Jar, uri: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, jar, TestRequest::get().uri(uri)).await
}

/// Opens `page` and posts its form with `fields` and the page's CSRF token, as a browser does.
async fn submit<S, B>(
    app: &S,
    jar: &mut Jar,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form_page = get(app, jar, page).await;
    assert_eq!(
        form_page.status,
        StatusCode::OK,
        "{page}: {}",
        form_page.body
    );
    let token = form_token(&form_page.body);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    send(app, jar, TestRequest::post().uri(action).set_form(form)).await
}

async fn register<S, B>(app: &S, jar: &mut Jar, username: &str, password: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let fields = [
        ("username", username),
        ("password", password),
        ("confirm", password),
    ];
    submit(app, jar, "/register", "/register", &fields).await
}

async fn login<S, B>(
    app: &S,
    jar: &mut Jar,
    username: &str,
    password: &str,
    remember: bool,
) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut fields = vec![("username", username), ("password", password)];
    if remember {
        fields.push(("remember", "on"));
    }
    submit(app, jar, "/login", "/login", &fields).await
}

/// The CSRF token in a page's forms (the hidden `csrf_token` input).
fn form_token(page: &str) -> String {
    let field = r#"<input type="hidden" name="csrf_token" value=""#;
    let start = page.find(field).expect("a form with a CSRF token") + field.len();
    let token = &page[start..page[start..].find('"').expect("a closing quote") + start];
    assert_eq!(token.len(), 32, "{token}");
    token.to_owned()
}

fn assert_redirect(res: &Reply, status: StatusCode, location: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert_eq!(res.location.as_deref(), Some(location));
}

fn assert_shows(res: &Reply, text: &str) {
    assert!(res.body.contains(text), "{text:?} not in:\n{}", res.body);
}

#[actix_web::test]
async fn visitors_are_guests_and_protected_pages_send_them_to_the_login() {
    let db = TempDb::new("app", "guest");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    let mut jar = Jar::default();

    let res = get(&app, &mut jar, "/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "<h1>Hello, Guest</h1>");
    assert_shows(&res, r#"<a href="/register">"#);
    assert!(!res.body.contains("Log out"), "{}", res.body);
    assert!(jar.0.is_empty(), "a visitor gets no cookie: {jar:?}");

    for (page, next) in [
        ("/account", "%2Faccount"),
        ("/account/security", "%2Faccount%2Fsecurity"),
        ("/admin", "%2Fadmin"),
        ("/relogin", "%2Frelogin"),
    ] {
        let res = get(&app, &mut jar, page).await;
        assert_redirect(&res, StatusCode::FOUND, &format!("/login?next={next}"));
    }
    let res = get(&app, &mut jar, "/login?next=%2Faccount").await;
    assert_shows(&res, "Please log in to access this page.");
    assert_shows(&res, "Hello, Guest");
}

#[actix_web::test]
async fn registration_logs_in_and_refuses_taken_names_and_weak_passwords() {
    let db = TempDb::new("app", "register");
    let app = test::init_service(app::app(start(db.config()).await)).await;

    let mut jar = Jar::default();
    let res = register(&app, &mut jar, "notch", "correct horse battery").await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/account");
    let res = get(&app, &mut jar, "/account").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "Welcome, notch! Your account is ready.");
    assert_shows(&res, "<h1>Account of notch</h1>");
    assert_shows(&res, "Roles: none.");
    assert_shows(&res, "Your login is fresh");

    // Usernames are one account whatever their case.
    for taken in ["notch", "NOTCH", "admin"] {
        let mut other = Jar::default();
        let res = register(&app, &mut other, taken, "another good passphrase").await;
        assert_eq!(res.status, StatusCode::OK, "{taken}");
        assert_shows(&res, USERNAME_TAKEN);
        assert!(!other.0.contains_key("remember_token"));
        assert_eq!(
            get(&app, &mut other, "/account").await.status,
            StatusCode::FOUND
        );
    }

    let mut jar = Jar::default();
    for (username, password, confirm, message) in [
        ("steve", "", "", "Choose a password."),
        (
            "steve",
            "diamond",
            "diamond",
            "too short: use at least 8 characters",
        ),
        (
            "steve",
            "password1",
            "password1",
            "That password is too common",
        ),
        ("steve", "Steve", "Steve", "too short"),
        (
            "stevesteve",
            "SteveSteve",
            "SteveSteve",
            "must not be your username",
        ),
        (
            "steve",
            "a long passphrase",
            "a long passphrase!",
            "The two passwords differ.",
        ),
        (
            "",
            "a long passphrase",
            "a long passphrase",
            "Choose a username.",
        ),
        (
            "st eve",
            "a long passphrase",
            "a long passphrase",
            "only letters, digits",
        ),
    ] {
        let fields = [
            ("username", username),
            ("password", password),
            ("confirm", confirm),
        ];
        let res = submit(&app, &mut jar, "/register", "/register", &fields).await;
        assert_eq!(res.status, StatusCode::OK, "{username}/{password}");
        assert_shows(&res, message);
        // The form comes back with the name typed, never with the password.
        assert!(
            res.body
                .contains(&format!(r#"name="username" value="{username}""#))
        );
        if !password.is_empty() {
            assert!(
                !res.body.contains(&format!(r#"value="{password}""#)),
                "{}",
                res.body
            );
        }
    }
    let res = login(&app, &mut jar, "steve", "diamond", false).await;
    assert_shows(&res, LOGIN_FAILED);
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_page() {
    let db = TempDb::new("app", "wrong");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    register(&app, &mut Jar::default(), "notch", "correct horse battery").await;

    let mut pages = Vec::new();
    for (username, password) in [
        ("notch", "wrong horse battery"),
        ("nobody", "correct horse battery"),
    ] {
        let mut jar = Jar::default();
        let res = login(&app, &mut jar, username, password, false).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.location, None);
        assert_shows(&res, LOGIN_FAILED);
        assert_eq!(
            get(&app, &mut jar, "/account").await.status,
            StatusCode::FOUND
        );
        let token = form_token(&res.body);
        pages.push(
            res.body
                .replace(&format!(r#"value="{username}""#), r#"value="""#)
                .replace(&token, ""),
        );
    }
    assert_eq!(pages[0], pages[1]);
}

#[actix_web::test]
async fn next_is_followed_on_this_site_and_ignored_off_it() {
    let db = TempDb::new("app", "next");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    register(&app, &mut Jar::default(), "notch", "correct horse battery").await;
    let credentials = [("username", "notch"), ("password", "correct horse battery")];

    // The login redirect's `next`, from the query string.
    let mut jar = Jar::default();
    let page = "/login?next=%2Faccount%3Ftab%3D1";
    let res = submit(&app, &mut jar, page, page, &credentials).await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/account?tab=1");

    // From the form's hidden field.
    for (next, target) in [
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("https://evil.example/account", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let mut jar = Jar::default();
        let mut fields = credentials.to_vec();
        fields.push(("next", next));
        let res = submit(&app, &mut jar, "/login", "/login", &fields).await;
        assert_redirect(&res, StatusCode::SEE_OTHER, target);
        // Logged in either way: only the target was refused.
        assert_eq!(get(&app, &mut jar, "/account").await.status, StatusCode::OK);
    }
}

#[actix_web::test]
async fn every_form_refuses_a_post_without_its_csrf_token() {
    let db = TempDb::new("app", "csrf");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    let mut jar = Jar::default();
    register(&app, &mut jar, "notch", "correct horse battery").await;
    // A token from another session is no better than none.
    let mut other = Jar::default();
    let foreign = form_token(&get(&app, &mut other, "/login").await.body);

    for (action, fields) in [
        (
            "/login",
            vec![("username", "notch"), ("password", "correct horse battery")],
        ),
        (
            "/register",
            vec![
                ("username", "mallory"),
                ("password", "a long passphrase"),
                ("confirm", "a long passphrase"),
            ],
        ),
        ("/relogin", vec![("password", "correct horse battery")]),
        (
            "/account/password",
            vec![
                ("current", "correct horse battery"),
                ("password", "mallory was here"),
                ("confirm", "mallory was here"),
            ],
        ),
        ("/account/logout-everywhere", vec![]),
        ("/logout", vec![]),
    ] {
        for token in [None, Some(""), Some(foreign.as_str())] {
            let mut form = fields.clone();
            if let Some(token) = token {
                form.push(("csrf_token", token));
            }
            let res = send(
                &app,
                &mut jar,
                TestRequest::post().uri(action).set_form(form),
            )
            .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{action} with {token:?}");
            assert_eq!(res.body, "CSRF token missing or invalid");
        }
    }
    // Nothing happened: still logged in, with the old password; no account `mallory`.
    assert_eq!(get(&app, &mut jar, "/account").await.status, StatusCode::OK);
    let res = login(
        &app,
        &mut Jar::default(),
        "notch",
        "correct horse battery",
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = login(
        &app,
        &mut Jar::default(),
        "mallory",
        "a long passphrase",
        false,
    )
    .await;
    assert_shows(&res, LOGIN_FAILED);
}

#[actix_web::test]
async fn the_admin_page_needs_the_admin_role() {
    let db = TempDb::new("app", "admin");
    let app = test::init_service(app::app(start(db.config()).await)).await;

    let mut user = Jar::default();
    register(&app, &mut user, "notch", "correct horse battery").await;
    let res = get(&app, &mut user, "/admin").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_shows(&res, "does not have the permission this page needs");
    assert!(!res.body.contains(r#"<a href="/admin">"#), "{}", res.body);

    let mut admin = Jar::default();
    let res = login(&app, &mut admin, "admin", ADMIN_PASSWORD, false).await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/");
    let res = get(&app, &mut admin, "/admin").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "<h1>Admin</h1>");
    assert_shows(&res, "<td>notch</td>");
    assert_shows(&res, r#"<a href="/admin">Admin</a>"#);
    let res = get(&app, &mut admin, "/account").await;
    assert_shows(&res, "Roles: Admin.");
}

#[actix_web::test]
async fn a_remembered_login_must_confirm_its_password_for_security_settings() {
    let db = TempDb::new("app", "fresh");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    register(&app, &mut Jar::default(), "notch", "correct horse battery").await;

    // Without "Remember me", closing the browser ends the login.
    let mut jar = Jar::default();
    login(&app, &mut jar, "notch", "correct horse battery", false).await;
    assert!(!jar.0.contains_key("remember_token"));
    jar.close_browser();
    assert_eq!(
        get(&app, &mut jar, "/account").await.status,
        StatusCode::FOUND
    );

    // With it, the remember cookie restores a login, but not a fresh one.
    let mut jar = Jar::default();
    let res = login(&app, &mut jar, "notch", "correct horse battery", true).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(jar.0.contains_key("remember_token"), "{jar:?}");
    assert_eq!(
        get(&app, &mut jar, "/account/security").await.status,
        StatusCode::OK
    );
    jar.close_browser();

    let res = get(&app, &mut jar, "/account").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "<h1>Account of notch</h1>");
    assert_shows(&res, "Your login is not fresh");
    let res = get(&app, &mut jar, "/account/security").await;
    assert_redirect(
        &res,
        StatusCode::FOUND,
        "/relogin?next=%2Faccount%2Fsecurity",
    );
    let page = "/relogin?next=%2Faccount%2Fsecurity";
    let res = get(&app, &mut jar, page).await;
    assert_shows(&res, SESSION_TIMED_OUT);
    assert_shows(&res, "<h1>Confirm your password</h1>");

    let res = submit(
        &app,
        &mut jar,
        page,
        "/relogin",
        &[
            ("password", "wrong horse battery"),
            ("next", "/account/security"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, WRONG_PASSWORD);
    assert_eq!(
        get(&app, &mut jar, "/account/security").await.status,
        StatusCode::FOUND
    );

    let res = submit(
        &app,
        &mut jar,
        page,
        "/relogin",
        &[
            ("password", "correct horse battery"),
            ("next", "/account/security"),
        ],
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/account/security");
    let res = get(&app, &mut jar, "/account/security").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "<h1>Security settings</h1>");
}

#[actix_web::test]
async fn an_idle_login_times_out_and_the_remember_cookie_asks_to_re_login() {
    let db = TempDb::new("app", "idle");
    let mut config = db.config();
    // Five minutes in the app; a second here.
    config.idle_timeout = Duration::from_secs(1);
    let app = test::init_service(app::app(start(config).await)).await;
    register(&app, &mut Jar::default(), "notch", "correct horse battery").await;

    let mut remembered = Jar::default();
    login(
        &app,
        &mut remembered,
        "notch",
        "correct horse battery",
        true,
    )
    .await;
    let mut forgotten = Jar::default();
    login(
        &app,
        &mut forgotten,
        "notch",
        "correct horse battery",
        false,
    )
    .await;
    assert_eq!(
        get(&app, &mut remembered, "/account/security").await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, &mut forgotten, "/account/security").await.status,
        StatusCode::OK
    );

    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;

    let res = get(&app, &mut remembered, "/account/security").await;
    assert_redirect(
        &res,
        StatusCode::FOUND,
        "/relogin?next=%2Faccount%2Fsecurity",
    );
    let res = get(&app, &mut remembered, "/relogin").await;
    assert_shows(&res, SESSION_TIMED_OUT);
    let res = get(&app, &mut forgotten, "/account/security").await;
    assert_redirect(&res, StatusCode::FOUND, "/login?next=%2Faccount%2Fsecurity");
}

#[actix_web::test]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let db = TempDb::new("app", "password");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    let mut here = Jar::default();
    register(&app, &mut here, "notch", "correct horse battery").await;
    let mut elsewhere = Jar::default();
    login(&app, &mut elsewhere, "notch", "correct horse battery", true).await;
    // A copy of this browser's cookies, taken before the change.
    let copy = here.clone();

    let change = |current, new: &'static str, confirm| {
        [
            ("current", current),
            ("password", new),
            ("confirm", confirm),
        ]
    };
    let res = submit(
        &app,
        &mut here,
        "/account/security",
        "/account/password",
        &change(
            "wrong horse battery",
            "staple battery horse",
            "staple battery horse",
        ),
    )
    .await;
    assert_shows(&res, WRONG_PASSWORD);
    let res = submit(
        &app,
        &mut here,
        "/account/security",
        "/account/password",
        &change("correct horse battery", "short", "short"),
    )
    .await;
    assert_shows(&res, "too short");
    let res = submit(
        &app,
        &mut here,
        "/account/security",
        "/account/password",
        &change(
            "correct horse battery",
            "staple battery horse",
            "staple battery hose",
        ),
    )
    .await;
    assert_shows(&res, "The two new passwords differ.");

    let res = submit(
        &app,
        &mut here,
        "/account/security",
        "/account/password",
        &change(
            "correct horse battery",
            "staple battery horse",
            "staple battery horse",
        ),
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/account");
    let res = get(&app, &mut here, "/account").await;
    assert_eq!(res.status, StatusCode::OK, "this session is kept");
    assert_shows(&res, PASSWORD_CHANGED);

    for (mut jar, who) in [(elsewhere, "the other browser"), (copy, "the copy")] {
        let res = get(&app, &mut jar, "/account").await;
        assert_redirect(&res, StatusCode::FOUND, "/login?next=%2Faccount");
        let res = get(&app, &mut jar, "/").await;
        assert_shows(&res, "Hello, Guest");
        // Not even after closing the browser, with the remember cookie.
        jar.close_browser();
        assert_eq!(
            get(&app, &mut jar, "/account").await.status,
            StatusCode::FOUND,
            "{who}"
        );
    }

    let res = login(
        &app,
        &mut Jar::default(),
        "notch",
        "correct horse battery",
        false,
    )
    .await;
    assert_shows(&res, LOGIN_FAILED);
    let res = login(
        &app,
        &mut Jar::default(),
        "notch",
        "staple battery horse",
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn log_out_everywhere_ends_every_session_of_the_user() {
    let db = TempDb::new("app", "everywhere");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    let mut here = Jar::default();
    register(&app, &mut here, "notch", "correct horse battery").await;
    let mut elsewhere = Jar::default();
    login(&app, &mut elsewhere, "notch", "correct horse battery", true).await;
    let mut someone_else = Jar::default();
    register(&app, &mut someone_else, "steve", "diamond pickaxe").await;

    let res = submit(
        &app,
        &mut here,
        "/account/security",
        "/account/logout-everywhere",
        &[],
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/login");
    let res = get(&app, &mut here, "/login").await;
    assert_shows(&res, "You are logged out everywhere, here too.");
    assert_shows(&res, "Hello, Guest");

    for jar in [&mut here, &mut elsewhere] {
        assert_eq!(get(&app, jar, "/account").await.status, StatusCode::FOUND);
        jar.close_browser();
        assert_eq!(get(&app, jar, "/account").await.status, StatusCode::FOUND);
    }
    assert_eq!(
        get(&app, &mut someone_else, "/account").await.status,
        StatusCode::OK
    );
    // A new login works as before.
    let res = login(&app, &mut here, "notch", "correct horse battery", false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&app, &mut here, "/account").await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn logging_out_ends_this_login() {
    let db = TempDb::new("app", "logout");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    let mut jar = Jar::default();
    register(&app, &mut jar, "notch", "correct horse battery").await;
    let res = get(&app, &mut jar, "/").await;
    assert_shows(&res, "Logged in as notch");
    let token = form_token(&res.body);
    let res = send(
        &app,
        &mut jar,
        TestRequest::post()
            .uri("/logout")
            .set_form([("csrf_token", token.as_str())]),
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/");
    let res = get(&app, &mut jar, "/").await;
    assert_shows(&res, "You are logged out.");
    assert_shows(&res, "Hello, Guest");
    // A GET logs nobody out.
    let mut jar = Jar::default();
    login(&app, &mut jar, "notch", "correct horse battery", false).await;
    assert!(
        get(&app, &mut jar, "/logout")
            .await
            .status
            .is_client_error()
    );
    assert_eq!(get(&app, &mut jar, "/account").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn accounts_keys_and_logins_survive_a_restart() {
    let db = TempDb::new("app", "restart");
    let mut jar = Jar::default();
    {
        let startup = AppState::start(db.config()).await.expect("first start");
        let admin = startup.admin.expect("the first start creates the admin");
        assert_eq!(admin.username, "admin");
        assert_eq!(admin.generated_password, None, "from APP_ADMIN_PASSWORD");
        let app = test::init_service(app::app(startup.state)).await;
        let res = register(&app, &mut jar, "notch", "correct horse battery").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    assert!(db.path().exists());
    assert!(db.dir.join(KEY_FILE).exists(), "the generated key is kept");

    let startup = AppState::start(db.config()).await.expect("second start");
    assert!(startup.admin.is_none(), "the admin exists already");
    let app = test::init_service(app::app(startup.state)).await;
    // Same key file: the session cookie from before the restart is still a login.
    let res = get(&app, &mut jar, "/account").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, "<h1>Account of notch</h1>");
    let res = login(
        &app,
        &mut Jar::default(),
        "notch",
        "correct horse battery",
        false,
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/");
    let res = register(&app, &mut Jar::default(), "notch", "correct horse battery").await;
    assert_shows(&res, USERNAME_TAKEN);
}

#[actix_web::test]
async fn without_an_admin_password_one_is_generated_and_works() {
    let db = TempDb::new("app", "seed");
    let mut config = db.config();
    config.admin_password = None;
    config.admin_username = "root".to_owned();
    let startup = AppState::start(config).await.expect("starts");
    let admin = startup.admin.expect("created");
    let password = admin.generated_password.expect("generated");
    assert_eq!(password.len(), 24, "{password}");
    let app = test::init_service(app::app(startup.state)).await;
    let mut jar = Jar::default();
    let res = login(&app, &mut jar, "root", &password, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(get(&app, &mut jar, "/admin").await.status, StatusCode::OK);

    // A weak configured admin password stops the first start, by name.
    let other = TempDb::new("app", "seed-weak");
    let mut config = other.config();
    config.admin_password = Some("admin".to_owned());
    let err = AppState::start(config).await.expect_err("refused");
    assert!(matches!(err, SetupError::Admin(_)), "{err}");
    assert!(err.to_string().starts_with("APP_ADMIN_PASSWORD"), "{err}");
}

#[actix_web::test]
async fn repeated_wrong_passwords_are_throttled_with_retry_after() {
    let db = TempDb::new("app", "throttle");
    let app = test::init_service(app::app(start(db.config()).await)).await;
    register(&app, &mut Jar::default(), "notch", "correct horse battery").await;

    let mut jar = Jar::default();
    // The default policy: five failures are free, the sixth attempt is let through too (it
    // is what makes the count six), then the account must wait.
    for attempt in 1..=6 {
        let res = login(&app, &mut jar, "notch", "wrong horse battery", false).await;
        assert_eq!(res.status, StatusCode::OK, "attempt {attempt}");
        assert_shows(&res, LOGIN_FAILED);
    }
    let res = login(&app, &mut jar, "notch", "wrong horse battery", false).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert_eq!(res.retry_after.as_deref(), Some("1"));
    assert_shows(
        &res,
        "Too many failed logins. Wait 1 second before you try again.",
    );
    // Even the right password waits: the throttle answers before any password is checked.
    let res = login(
        &app,
        &mut Jar::default(),
        "NOTCH",
        "correct horse battery",
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.retry_after.is_some());

    // After the wait, the right password logs in (and clears the account's count).
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let mut jar = Jar::default();
    let res = login(&app, &mut jar, "notch", "correct horse battery", false).await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/");
}

/// Two instances on one Redis, one database and one key, as behind a load balancer: a login
/// made on one is a login on the other, a logout on one is final on both, and failures on
/// either count against the same allowance.
#[actix_web::test]
#[ignore = "needs a Redis: LOGIN_RUNTIME_REDIS_URL=redis://127.0.0.1:6379 cargo test -p login-runtime-examples --test app -- --ignored"]
async fn two_instances_on_one_redis_share_one_login() {
    let url = std::env::var("LOGIN_RUNTIME_REDIS_URL").expect("LOGIN_RUNTIME_REDIS_URL");
    let db = TempDb::new("app", "redis");
    let mut config = db.config();
    config.redis_url = Some(url);
    config.secret_key = Some(actix_web::cookie::Key::generate());
    let one = test::init_service(app::app(start(config.clone()).await)).await;
    let two = test::init_service(app::app(start(config).await)).await;
    // Throttle counts in Redis outlive this test: a name of its own.
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("u{}x{unique}", std::process::id());
    let name = &name[..name.len().min(32)];

    let mut jar = Jar::default();
    let res = register(&one, &mut jar, name, "correct horse battery").await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/account");
    let res = get(&two, &mut jar, "/account").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_shows(&res, &format!("<h1>Account of {name}</h1>"));

    // Logging out on the second ends the login for a copy of the cookies on the first.
    let copy = jar.clone();
    let token = form_token(&res.body);
    let form = [("csrf_token", token.as_str())];
    let res = send(
        &two,
        &mut jar,
        TestRequest::post().uri("/logout").set_form(form),
    )
    .await;
    assert_redirect(&res, StatusCode::SEE_OTHER, "/");
    for app in [&one, &two] {
        let mut copy = copy.clone();
        assert_eq!(
            get(app, &mut copy, "/account").await.status,
            StatusCode::FOUND
        );
    }

    // Six failures spread over both instances use up the one allowance.
    for attempt in 0..6 {
        let app = if attempt % 2 == 0 { &one } else { &two };
        let res = login(app, &mut Jar::default(), name, "wrong horse battery", false).await;
        assert_shows(&res, LOGIN_FAILED);
    }
    for app in [&one, &two] {
        let res = login(
            app,
            &mut Jar::default(),
            name,
            "correct horse battery",
            false,
        )
        .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    }
}
