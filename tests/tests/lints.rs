//! Lints: every macro expands cleanly under the strictest settings a user might choose.
//! `cargo clippy --workspace --all-targets -- -D warnings` builds this file with clippy's
//! pedantic group denied; `cargo test` builds it with every rustc warning denied. The code
//! written here is itself lint-clean, so anything reported comes from an expansion.

#![deny(warnings, unused_qualifications, unused_results, clippy::pedantic)]

use actix_web::cookie::Cookie;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, web};
use login_runtime::{
    AnonymousUserMixin, CurrentUser, LoginManager, UserMixin, login_required, login_user,
    request_loader, user_loader,
};

#[derive(Debug, Default)]
struct Guest;

impl AnonymousUserMixin for Guest {}

#[derive(Debug, Clone, UserMixin)]
#[user(anonymous = Guest)]
struct User {
    id: u64,
    #[user(active)]
    active: bool,
    #[user(auth_hash)]
    password_hash: String,
}

#[derive(UserMixin)]
struct Tagged<Tag: 'static>(#[user(id)] String, std::marker::PhantomData<Tag>);

#[user_loader]
async fn load_user(id: u64, req: HttpRequest) -> Option<User> {
    let known = req.app_data::<web::Data<Vec<u64>>>()?.contains(&id);
    std::future::ready(known.then(|| User {
        id,
        active: true,
        password_hash: String::from("hash"),
    }))
    .await
}

#[request_loader]
async fn from_api_key(req: HttpRequest) -> Result<Option<User>, actix_web::Error> {
    let key = req
        .headers()
        .get("x-api-key")
        .map(|key| key.as_bytes() == b"k1");
    std::future::ready(Ok(key.filter(|ok| *ok).map(|_| User {
        id: 1,
        active: true,
        password_hash: String::new(),
    })))
    .await
}

#[get("/settings")]
#[login_required]
async fn settings(user: CurrentUser<User>, query: web::Query<Vec<(String, String)>>) -> String {
    let id = std::future::ready(user.get_id()).await.unwrap_or_default();
    format!("{id} {}", query.into_inner().len())
}

#[login_required(fresh)]
#[get("/password")]
async fn password(req: HttpRequest) -> impl Responder {
    std::future::ready(HttpResponse::Ok().body(req.path().to_owned())).await
}

async fn login(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let user = User {
        id: 1,
        active: true,
        password_hash: String::from("hash"),
    };
    let _logged_in = login_user(&req, &user)?.is_logged_in();
    Ok(HttpResponse::NoContent().finish())
}

#[test]
fn the_derive_expands_lint_clean() {
    let tagged = Tagged::<()>("tag".to_owned(), std::marker::PhantomData);
    assert_eq!(tagged.get_id(), "tag");
    let user = User {
        id: 3,
        active: false,
        password_hash: "h".to_owned(),
    };
    assert_eq!(
        (user.get_id(), user.is_active(), user.session_auth_hash()),
        ("3".to_owned(), false, Some(b"h".to_vec()))
    );
}

#[actix_web::test]
async fn the_attributes_expand_lint_clean() {
    let session = actix_session::SessionMiddleware::builder(
        actix_session::storage::CookieSessionStore::default(),
        actix_web::cookie::Key::from(&[5; 64]),
    )
    .cookie_secure(false)
    .build();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(vec![1_u64]))
            .wrap(LoginManager::<User>::new().request_loader())
            .wrap(session)
            .route("/login", web::post().to(login))
            .service(settings)
            .service(password),
    )
    .await;
    let res = test::call_service(&app, TestRequest::get().uri("/settings").to_request()).await;
    assert_eq!(res.status(), 401);
    let res = test::call_service(&app, TestRequest::post().uri("/login").to_request()).await;
    assert_eq!(res.status(), 204);
    let cookie = res.response().cookies().next().map(Cookie::into_owned);
    let cookie = cookie.unwrap_or_else(|| Cookie::new("none", ""));
    let req = TestRequest::get()
        .uri("/settings?a=b")
        .cookie(cookie.clone());
    assert_eq!(
        test::call_and_read_body(&app, req.to_request()).await,
        "1 1"
    );
    let req = TestRequest::get().uri("/password").cookie(cookie);
    assert_eq!(
        test::call_and_read_body(&app, req.to_request()).await,
        "/password"
    );
    let req = TestRequest::get()
        .uri("/settings")
        .insert_header(("x-api-key", "k1"));
    assert_eq!(
        test::call_and_read_body(&app, req.to_request()).await,
        "1 0"
    );
}
