//! CSRF tokens for forms (issue #7): a post is accepted only with the token its own session was
//! served, on actix-session's cookie store and on a server-side store alike.

use actix_session::SessionMiddleware;
use actix_session::storage::SessionStore;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, HttpRequest, get, post, web};
use login_runtime::{CurrentUser, LoginManager, csrf_token, login_user, verify_csrf};
use login_runtime_tests::app::key;
use login_runtime_tests::logs::Logs;
use login_runtime_tests::memory_store::MemoryStore;
use login_runtime_tests::{Client, Reply, Store, User, session_middleware};
use serde::Deserialize;

/// What the test forms post; the token is optional so that leaving it out reaches the check.
#[derive(Deserialize)]
pub(crate) struct Posted {
    #[serde(default)]
    csrf_token: String,
}

/// `/form`: the token the page's form would carry, as the body.
#[get("/form")]
pub(crate) async fn form(req: HttpRequest) -> actix_web::Result<String> {
    csrf_token(&req)
}

/// `/submit`: accepted only with this session's token.
#[post("/submit")]
pub(crate) async fn submit(
    req: HttpRequest,
    posted: web::Form<Posted>,
) -> actix_web::Result<&'static str> {
    verify_csrf(&req, &posted.csrf_token)?;
    Ok("accepted")
}

/// `/login`: a login form as apps should write it: the token is checked before anything else.
#[post("/login")]
async fn login(req: HttpRequest, posted: web::Form<Posted>) -> actix_web::Result<&'static str> {
    verify_csrf(&req, &posted.csrf_token)?;
    let notch = User {
        id: 1,
        name: "Notch".to_owned(),
        active: true,
    };
    assert!(login_user(&req, &notch)?.is_logged_in());
    Ok("logged in")
}

/// `/whoami`: the current user's name, or "Anonymous".
#[get("/whoami")]
async fn whoami(user: CurrentUser<User>) -> String {
    user.user()
        .map_or_else(|| "Anonymous".to_owned(), |user| user.name.clone())
}

/// The test app on the session store `sessions`.
fn csrf_app<S: SessionStore + 'static>(
    sessions: SessionMiddleware<S>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<User>::new().secret_key(&key()))
        .wrap(sessions)
        .service(form)
        .service(submit)
        .service(login)
        .service(whoami)
}

/// A server-side store: the cookie holds only a session id.
fn memory_sessions() -> SessionMiddleware<MemoryStore> {
    SessionMiddleware::builder(MemoryStore::default(), key())
        .cookie_secure(false)
        .build()
}

/// Runs `scenario(&app, store_name)` on the cookie store, then on the memory store.
macro_rules! on_both_stores {
    ($scenario:ident) => {{
        let app = init_service(csrf_app(session_middleware())).await;
        $scenario(&app, "cookie store").await;
        let app = init_service(csrf_app(memory_sessions())).await;
        $scenario(&app, "memory store").await;
    }};
}

/// A form post of `fields` to `path`.
fn post_form(path: &str, fields: &[(&str, &str)]) -> TestRequest {
    TestRequest::post().uri(path).set_form(fields)
}

/// Loads the form page and returns the token it carries.
async fn token_of<S, B>(browser: &mut Client<S>, store: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = browser.get("/form").await;
    assert_eq!(page.status, StatusCode::OK, "{store}: {}", page.body);
    assert_eq!(page.body.len(), 32, "{store}: {}", page.body);
    assert!(page.body.bytes().all(|b| b.is_ascii_hexdigit()), "{store}");
    page.body
}

/// The refusal a user sees: 403 with a short text that gives nothing away.
fn assert_refused(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.body, "CSRF token missing or invalid", "{what}");
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8"),
        "{what}"
    );
}

#[actix_rt::test]
async fn a_post_with_the_forms_token_is_accepted() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut browser = Client::new(app);
        let token = token_of(&mut browser, store).await;
        for attempt in ["first", "second"] {
            let reply = browser
                .send(post_form("/submit", &[("csrf_token", &token)]))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{store}, {attempt}: {}",
                reply.body
            );
            assert_eq!(reply.body, "accepted", "{store}");
        }
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn a_post_without_a_token_or_with_an_empty_or_altered_one_is_refused() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut browser = Client::new(app);
        let token = token_of(&mut browser, store).await;
        let mut altered = token.clone().into_bytes();
        altered[31] = if altered[31] == b'0' { b'1' } else { b'0' };
        let altered = String::from_utf8(altered).unwrap();
        let upper = token.to_uppercase();
        let longer = format!("{token}0");
        let cases: [(&str, &[(&str, &str)]); 5] = [
            ("no token", &[("text", "hi")]),
            ("an empty token", &[("csrf_token", "")]),
            ("an altered token", &[("csrf_token", &altered)]),
            ("an upper-cased token", &[("csrf_token", &upper)]),
            ("a longer token", &[("csrf_token", &longer)]),
        ];
        for (what, fields) in cases {
            let reply = browser.send(post_form("/submit", fields)).await;
            assert_refused(&reply, &format!("{store}, {what}"));
        }
        // The refusals did not spoil the session's token.
        let reply = browser
            .send(post_form("/submit", &[("csrf_token", &token)]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{store}: {}", reply.body);
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn a_post_from_a_browser_never_served_a_form_is_refused() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        // A forged post: no session, so no token to match, whatever is submitted.
        let mut victim = Client::new(app);
        for submitted in ["", "0123456789abcdef0123456789abcdef"] {
            let reply = victim
                .send(post_form("/submit", &[("csrf_token", submitted)]))
                .await;
            assert_refused(&reply, &format!("{store}, {submitted:?}"));
        }
        assert!(victim.cookies.is_empty(), "{store}: {:?}", victim.cookies);
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn a_token_from_another_session_is_refused() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut attacker = Client::new(app);
        let attackers_token = token_of(&mut attacker, store).await;
        let mut victim = Client::new(app);
        let victims_token = token_of(&mut victim, store).await;

        let reply = victim
            .send(post_form("/submit", &[("csrf_token", &attackers_token)]))
            .await;
        assert_refused(&reply, store);
        let reply = victim
            .send(post_form("/submit", &[("csrf_token", &victims_token)]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{store}: {}", reply.body);
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn the_token_is_stable_within_a_session() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut browser = Client::new(app);
        let token = token_of(&mut browser, store).await;
        assert!(
            !browser.cookies.is_empty(),
            "{store}: the token needs a session"
        );
        let again = browser.get("/form").await;
        assert_eq!(again.body, token, "{store}");
        // An unchanged session is not re-sent.
        assert!(
            again.set_cookies().is_empty(),
            "{store}: {:?}",
            again.headers
        );
        let reply = browser
            .send(post_form("/submit", &[("csrf_token", &token)]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{store}");
        // Several tabs share the token: a post does not use it up.
        assert_eq!(token_of(&mut browser, store).await, token, "{store}");
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn two_sessions_get_different_tokens() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut tokens = Vec::new();
        for _ in 0..5 {
            let mut browser = Client::new(app);
            tokens.push(token_of(&mut browser, store).await);
        }
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len(), "{store}: {tokens:?}");
    }
    on_both_stores!(scenario);
}

/// Needs `login_user` to remove the token (`session.remove(crate::csrf::CSRF_KEY)`).
#[actix_rt::test]
async fn a_token_from_before_login_is_refused_after_it() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut browser = Client::new(app);
        let before = token_of(&mut browser, store).await;
        let reply = browser
            .send(post_form("/login", &[("csrf_token", &before)]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{store}: {}", reply.body);
        assert_eq!(browser.get("/whoami").await.body, "Notch", "{store}");

        // Whoever saw the pre-login token (it sat in a page before the login) cannot use it.
        let reply = browser
            .send(post_form("/submit", &[("csrf_token", &before)]))
            .await;
        assert_refused(&reply, &format!("{store}, the pre-login token"));

        let after = token_of(&mut browser, store).await;
        assert_ne!(after, before, "{store}: the token is replaced at login");
        let reply = browser
            .send(post_form("/submit", &[("csrf_token", &after)]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{store}: {}", reply.body);
        assert_eq!(browser.get("/whoami").await.body, "Notch", "{store}");
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn a_forged_login_post_is_refused_and_logs_no_one_in() {
    async fn scenario<S, B>(app: &S, store: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        // Login CSRF: another site posts the attacker's credentials from the victim's browser,
        // which has no session yet (or one the forged post cannot read a token from).
        let mut victim = Client::new(app);
        let reply = victim.send(post_form("/login", &[("text", "hi")])).await;
        assert_refused(&reply, store);
        assert!(victim.cookies.is_empty(), "{store}: {:?}", victim.cookies);
        assert_eq!(victim.get("/whoami").await.body, "Anonymous", "{store}");

        token_of(&mut victim, store).await;
        let reply = victim
            .send(post_form("/login", &[("csrf_token", "")]))
            .await;
        assert_refused(&reply, store);
        assert_eq!(victim.get("/whoami").await.body, "Anonymous", "{store}");
    }
    on_both_stores!(scenario);
}

#[actix_rt::test]
async fn a_refusal_logs_one_warning_that_says_why() {
    let (logs, _guard) = Logs::capture();
    let app = init_service(csrf_app(session_middleware())).await;
    let mut browser = Client::new(&app);
    let reply = browser.send(post_form("/submit", &[("text", "hi")])).await;
    assert_refused(&reply, "no session");
    let text = logs.text();
    // Other lines (the manager's start-up checks, say) are not this test's business.
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("refused a"))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains("refused a POST to /submit with 403")
            && warnings[0].contains("the session has no CSRF token"),
        "{text}"
    );
}
