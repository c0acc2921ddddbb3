//! Misconfiguration is loud: a 500 and one log line that says what to change — never a panic,
//! never a silent no-op.

use actix_web::test::init_service;
use actix_web::{App, get, web};
use login_runtime::{CurrentUser, LoginManager, UserMixin, user_loader};
use login_runtime_tests::logs::Logs;
use login_runtime_tests::{Client, Store, routes, session_middleware};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[actix_rt::test]
async fn no_session_middleware_is_a_500_naming_the_fix() {
    let (logs, _guard) = Logs::capture();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<login_runtime_tests::User>::new())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    for path in ["/username", "/secret", "/login/notch"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 500, "{path}");
        assert_eq!(reply.body, "internal server error");
    }
    let text = logs.text();
    assert_eq!(
        count(
            &text,
            "no actix-session `SessionMiddleware` ran before `LoginManager`"
        ),
        3,
        "{text}"
    );
    assert!(text.contains(".wrap(SessionMiddleware::new(..))"), "{text}");
    // Requests that never ask for the user still work.
    assert_eq!(client.get("/static").await.status, 200);
}

#[actix_rt::test]
async fn middlewares_in_the_wrong_order_are_a_500_naming_the_fix() {
    let (logs, _guard) = Logs::capture();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(session_middleware())
        .wrap(LoginManager::<login_runtime_tests::User>::new())
        .configure(routes);
    let mut client = Client::new(init_service(app).await);
    let reply = client.get("/login/notch").await;
    assert_eq!(reply.status, 500);
    assert!(reply.set_cookies().is_empty(), "no half-done login");
    assert_eq!(client.get("/username").await.status, 500);
    assert!(
        logs.text().contains("the last `.wrap` runs first"),
        "{}",
        logs.text()
    );
}

#[derive(Clone, UserMixin)]
struct Admin {
    id: u64,
}

#[user_loader]
async fn load_admin(id: u64) -> Option<Admin> {
    Some(Admin { id })
}

#[get("/admin")]
async fn admin(user: CurrentUser<Admin>) -> String {
    format!("{:?}", user.get_id())
}

#[actix_rt::test]
async fn extractor_for_a_user_type_no_manager_serves_is_a_500_naming_both() {
    let (logs, _guard) = Logs::capture();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(LoginManager::<login_runtime_tests::User>::new())
        .wrap(session_middleware())
        .service(admin);
    let mut client = Client::new(init_service(app).await);
    assert_eq!(client.get("/admin").await.status, 500);
    let text = logs.text();
    assert!(
        text.contains("asked for the user type `misconfig::Admin`")
            || text.contains("Admin`, but the `LoginManager` on this route serves"),
        "{text}"
    );
    assert!(text.contains("login_runtime_tests::app::User"), "{text}");
}

#[actix_rt::test]
async fn no_login_manager_at_all_is_a_500_naming_the_fix() {
    let (logs, _guard) = Logs::capture();
    let app = App::new()
        .app_data(web::Data::new(Store::default()))
        .wrap(session_middleware())
        .configure(routes)
        .service(admin);
    let mut client = Client::new(init_service(app).await);
    for path in ["/admin", "/secret", "/login/notch", "/logout"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 500, "{path}");
        assert_eq!(reply.body, "internal server error", "{path}");
    }
    let text = logs.text();
    assert!(text.contains("add `.wrap(LoginManager::<"), "{text}");
    assert!(
        text.contains("`#[login_required]` on the handler for /secret needs a `LoginManager`"),
        "{text}"
    );
    assert_eq!(
        count(&text, "misconfigured"),
        4,
        "one line per request: {text}"
    );
}
