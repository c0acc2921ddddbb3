//! Drives the `basic` demo in-process, through the same `App` its binary serves: the
//! acceptance flow of Flask-Login's quickstart, with cookies carried by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::cookie::time::{Duration, OffsetDateTime};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use login_runtime_examples::basic::{self, AppState, LOGIN_FAILED};

/// What a test looks at in a response.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: String,
    /// The raw `Set-Cookie` headers.
    set_cookie: Vec<String>,
}

/// A browser's cookie jar, reduced to name → value.
#[derive(Debug, Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    /// Adds the jar's cookies to `req` as one `Cookie` header.
    fn attach(&self, req: TestRequest) -> TestRequest {
        if self.0.is_empty() {
            return req;
        }
        let cookies: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req.insert_header((header::COOKIE, cookies.join("; ")))
    }

    /// Stores the cookies `res` sets (or removes), and reads it into a [`Reply`].
    async fn receive<B: MessageBody>(&mut self, res: ServiceResponse<B>) -> Reply {
        for cookie in res.response().cookies() {
            let expired = cookie.max_age().is_some_and(|age| age <= Duration::ZERO)
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
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|value| value.to_str().expect("ASCII Location").to_owned());
        let set_cookie = headers
            .get_all(header::SET_COOKIE)
            .map(|value| value.to_str().expect("ASCII Set-Cookie").to_owned())
            .collect();
        let body = test::read_body(res).await;
        let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
        Reply {
            status,
            location,
            body,
            set_cookie,
        }
    }
}

/// Sends a `TestRequest` with the jar's cookies and stores the cookies the response sets.
macro_rules! send {
    ($app:expr, $jar:expr, $req:expr) => {{
        let req = $jar.attach($req).to_request();
        let res = test::call_service($app, req).await;
        $jar.receive(res).await
    }};
}

fn state() -> AppState {
    AppState::new(Key::generate()).expect("the demo app starts")
}

/// Opens the login page, as a browser does before posting it, and returns its form's token.
macro_rules! login_page_token {
    ($app:expr, $jar:expr) => {{
        let res = send!($app, $jar, TestRequest::get().uri("/login"));
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        form_token(&res.body)
    }};
}

/// The CSRF token in a page's forms (the hidden `csrf_token` input).
fn form_token(page: &str) -> String {
    let field = r#"<input type="hidden" name="csrf_token" value=""#;
    let start = page.find(field).expect("a form with a CSRF token") + field.len();
    let token = &page[start..page[start..].find('"').expect("a closing quote") + start];
    assert_eq!(token.len(), 32, "{token}");
    token.to_owned()
}

/// The login form as a browser posts it, with the `csrf_token` of the page it came from.
fn login(username: &str, password: &str, next: Option<&str>, csrf_token: &str) -> TestRequest {
    let mut form = vec![
        ("csrf_token", csrf_token),
        ("username", username),
        ("password", password),
    ];
    if let Some(next) = next {
        form.push(("next", next));
    }
    TestRequest::post().uri("/login").set_form(form)
}

/// The logout button's post, with the `csrf_token` of the page it is on.
fn logout(csrf_token: &str) -> TestRequest {
    TestRequest::post()
        .uri("/logout")
        .set_form([("csrf_token", csrf_token)])
}

#[actix_web::test]
async fn quickstart_flow() {
    let app = test::init_service(basic::app(state())).await;
    let mut jar = Jar::default();

    let res = send!(&app, jar, TestRequest::get().uri("/"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"<a href="/login">"#), "{}", res.body);
    assert!(res.body.contains("Hi stranger"), "{}", res.body);
    assert!(!res.body.contains("Hi Notch"));
    assert!(!res.body.contains("Log out"));
    assert!(jar.0.is_empty(), "a visitor gets no cookie: {jar:?}");

    // A visitor is sent to the login view, with where they were going, and a message waits.
    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.location.as_deref(), Some("/login?next=%2Fsettings"));

    // The form carries `next` as a hidden field (minijinja escapes `/` as `&#x2f;`).
    let res = send!(&app, jar, TestRequest::get().uri("/login?next=%2Fsettings"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"<form method="post" action="/login">"#));
    let token = form_token(&res.body);
    assert!(
        res.body
            .contains(r#"<p class="flash message">Please log in to access this page.</p>"#),
        "{}",
        res.body
    );
    assert!(
        res.body
            .contains(r#"<input type="hidden" name="next" value="&#x2f;settings">"#),
        "{}",
        res.body
    );

    // Logging in: 303 to `next`, and a session cookie that scripts and other sites cannot use.
    let res = send!(
        &app,
        jar,
        login("notch", "minecraft", Some("/settings"), &token)
    );
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/settings"));
    assert_eq!(res.set_cookie.len(), 1, "{:?}", res.set_cookie);
    let cookie = actix_web::cookie::Cookie::parse(res.set_cookie[0].clone()).expect("a cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    // Encrypted, not just signed: the session's contents are not readable in the cookie.
    assert!(!cookie.value().contains("_login"), "{}", cookie.value());
    assert_eq!(jar.0.len(), 1);

    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Settings of Notch"), "{}", res.body);
    assert!(res.body.contains("Your user id is 1."));

    let res = send!(&app, jar, TestRequest::get().uri("/"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Hi Notch"), "{}", res.body);
    assert!(res.body.contains(r#"<form method="post" action="/logout""#));
    assert!(!res.body.contains(r#"<a href="/login">"#));
    // Logging in replaced the token the login page carried.
    let token_after_login = form_token(&res.body);
    assert_ne!(token_after_login, token);

    // A GET cannot log anyone out (a link or an <img> on another site would do that).
    let res = send!(&app, jar, TestRequest::get().uri("/logout"));
    assert!(res.status.is_client_error(), "{:?}", res.status);
    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::OK);

    let res = send!(&app, jar, logout(&token_after_login));
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/"));

    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.location.as_deref(), Some("/login?next=%2Fsettings"));
    let res = send!(&app, jar, TestRequest::get().uri("/"));
    assert!(res.body.contains("Hi stranger"), "{}", res.body);
}

#[actix_web::test]
async fn wrong_credentials_do_not_log_in_and_do_not_say_which_part_was_wrong() {
    let app = test::init_service(basic::app(state())).await;

    let mut bodies = Vec::new();
    for (username, password) in [("notch", "diamond"), ("nobody", "minecraft"), ("notch", "")] {
        let mut jar = Jar::default();
        let token = login_page_token!(&app, jar);
        let res = send!(
            &app,
            jar,
            login(username, password, Some("/settings"), &token)
        );
        assert_eq!(res.status, StatusCode::OK, "{username}/{password}");
        assert_eq!(res.location, None);
        assert!(res.body.contains(LOGIN_FAILED), "{}", res.body);
        // The form comes back, still carrying `next`.
        assert!(res.body.contains(r#"name="next" value="&#x2f;settings""#));
        assert!(res.set_cookie.is_empty(), "{:?}", res.set_cookie);

        let res = send!(&app, jar, TestRequest::get().uri("/settings"));
        assert_eq!(res.status, StatusCode::FOUND);
        bodies.push(
            send!(&app, jar, login(username, password, None, &token))
                .body
                .replace(&format!(r#"value="{username}""#), r#"value="""#)
                .replace(&token, ""),
        );
    }
    // Wrong password and unknown user: the same page, bar the echoed username (and the
    // session's own CSRF token).
    assert_eq!(bodies[0], bodies[1]);
}

#[actix_web::test]
async fn next_from_the_login_query_string_is_honoured() {
    let app = test::init_service(basic::app(state())).await;
    let mut jar = Jar::default();
    let token = login_page_token!(&app, jar);
    let req = login("steve", "diamond", None, &token).uri("/login?next=%2Fsettings%3Ftab%3D1");
    let res = send!(&app, jar, req);
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/settings?tab=1"));

    let res = send!(&app, jar, TestRequest::get().uri("/"));
    assert!(res.body.contains("Hi Steve"), "{}", res.body);

    // No `next` anywhere: home.
    let mut jar = Jar::default();
    let token = login_page_token!(&app, jar);
    let res = send!(&app, jar, login("steve", "diamond", None, &token));
    assert_eq!(res.location.as_deref(), Some("/"));
}

#[actix_web::test]
async fn next_pointing_off_site_redirects_home() {
    let app = test::init_service(basic::app(state())).await;
    for evil in [
        "//evil.example",
        "https://evil.example",
        "https://evil.example/settings",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let mut jar = Jar::default();
        let token = login_page_token!(&app, jar);
        let res = send!(&app, jar, login("notch", "minecraft", Some(evil), &token));
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(res.location.as_deref(), Some("/"), "{evil}");
        // Still logged in: only the redirect target was refused.
        let res = send!(&app, jar, TestRequest::get().uri("/settings"));
        assert_eq!(res.status, StatusCode::OK, "{evil}");

        // The same via the query string of the form's page.
        let mut jar = Jar::default();
        let token = login_page_token!(&app, jar);
        let query: String = url_encode(evil);
        let req = login("notch", "minecraft", None, &token).uri(&format!("/login?next={query}"));
        let res = send!(&app, jar, req);
        assert_eq!(res.location.as_deref(), Some("/"), "{evil}");
    }
}

#[actix_web::test]
async fn login_form_escapes_a_reflected_next() {
    let app = test::init_service(basic::app(state())).await;
    let mut jar = Jar::default();
    let payload = r#""><script>alert(1)</script>"#;
    let uri = format!("/login?next={}", url_encode(payload));
    let res = send!(&app, jar, TestRequest::get().uri(&uri));
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("<script>"), "{}", res.body);
    assert!(!res.body.contains(r#"""><"#), "{}", res.body);
    assert!(
        res.body
            .contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;""#),
        "{}",
        res.body
    );

    // And when a failed login echoes it (and the username) back.
    let token = form_token(&res.body);
    let res = send!(&app, jar, login(payload, "x", Some(payload), &token));
    assert!(res.body.contains(LOGIN_FAILED));
    assert!(!res.body.contains("<script>"), "{}", res.body);
}

#[actix_web::test]
async fn a_cross_site_login_post_without_the_token_is_refused() {
    let app = test::init_service(basic::app(state())).await;

    // Another site's page posts the attacker's credentials from the victim's browser: it cannot
    // read the token of the victim's session, if there is one.
    let mut victim = Jar::default();
    let res = send!(&app, victim, login("steve", "diamond", None, ""));
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.body, "CSRF token missing or invalid");
    assert!(res.set_cookie.is_empty(), "{:?}", res.set_cookie);
    let res = send!(&app, victim, TestRequest::get().uri("/"));
    assert!(res.body.contains("Hi stranger"), "{}", res.body);

    // Nor with the victim on the login page, nor with a token from the attacker's own session.
    let mut attacker = Jar::default();
    let attackers_token = login_page_token!(&app, attacker);
    login_page_token!(&app, victim);
    let form = [("username", "steve"), ("password", "diamond")];
    let without = TestRequest::post().uri("/login").set_form(form);
    for req in [without, login("steve", "diamond", None, &attackers_token)] {
        let res = send!(&app, victim, req);
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = send!(&app, victim, TestRequest::get().uri("/settings"));
        assert_eq!(res.status, StatusCode::FOUND);
    }
}

#[actix_web::test]
async fn a_cross_site_logout_post_is_refused() {
    let app = test::init_service(basic::app(state())).await;
    let mut jar = Jar::default();
    let token = login_page_token!(&app, jar);
    let res = send!(&app, jar, login("notch", "minecraft", None, &token));
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let empty: [(&str, &str); 0] = [];
    let mut other = Jar::default();
    let other_session = login_page_token!(&app, other);
    for req in [
        TestRequest::post().uri("/logout").set_form(empty),
        logout(""),
        logout(&other_session),
    ] {
        let res = send!(&app, jar, req);
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = send!(&app, jar, TestRequest::get().uri("/settings"));
        assert_eq!(res.status, StatusCode::OK, "still logged in");
    }
}

#[actix_web::test]
async fn a_forged_session_cookie_is_anonymous() {
    let app = test::init_service(basic::app(state())).await;

    // A cookie signed with another key (another deployment, or a forger).
    let other = test::init_service(basic::app(state())).await;
    let mut foreign = Jar::default();
    let token = login_page_token!(&other, foreign);
    send!(&other, foreign, login("notch", "minecraft", None, &token));
    assert_eq!(foreign.0.len(), 1);

    let res = send!(&app, foreign, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);

    let mut garbage = Jar::default();
    garbage
        .0
        .insert("id".to_owned(), "not-a-session".to_owned());
    let res = send!(&app, garbage, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);
    let res = send!(&app, garbage, TestRequest::get().uri("/"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Hi stranger"));
}

/// Percent-encodes everything but unreserved characters, for a query string value.
fn url_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn remember_me_outlives_the_session_cookie() {
    let app = test::init_service(basic::app(state())).await;

    // Without the box ticked, closing the browser (dropping the session cookie) logs out.
    let mut jar = Jar::default();
    let token = login_page_token!(&app, jar);
    let res = send!(&app, jar, login("notch", "minecraft", None, &token));
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!jar.0.contains_key("remember_token"));
    jar.0.remove("id");
    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);

    // With it ticked, the remember cookie brings the login back.
    let mut jar = Jar::default();
    let token = login_page_token!(&app, jar);
    let form = [
        ("csrf_token", token.as_str()),
        ("username", "notch"),
        ("password", "minecraft"),
        ("remember", "on"),
    ];
    let res = send!(&app, jar, TestRequest::post().uri("/login").set_form(form));
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let remember = res
        .set_cookie
        .iter()
        .find(|cookie| cookie.starts_with("remember_token="))
        .expect("a remember cookie");
    assert!(
        remember.contains("HttpOnly") && remember.contains("SameSite=Lax"),
        "{remember}"
    );
    jar.0.remove("id");
    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Notch"), "{}", res.body);

    // Logging out deletes it.
    let token = form_token(&res.body);
    let res = send!(&app, jar, logout(&token));
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!jar.0.contains_key("remember_token"));
    jar.0.remove("id");
    let res = send!(&app, jar, TestRequest::get().uri("/settings"));
    assert_eq!(res.status, StatusCode::FOUND);
}
