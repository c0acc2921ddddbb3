//! Hygiene: every macro expands, and behaves, in a module that shadows the names an expansion
//! could lean on by accident (`Result`, `Ok`, `Option`, `Some`, `Box`, `String`, `actix_web`,
//! even `login_runtime`, `core` and `std`). Generated code must reach everything through
//! absolute paths, and its own bindings must not collide with the user's.

#![allow(clippy::expect_used)]

mod shadowed {
    // Unit structs shadow the names in both the type and the value namespace, so `Ok(x)` or
    // `Option<T>` in an expansion would resolve here and fail to compile.
    #![allow(dead_code, clippy::upper_case_acronyms)]

    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct Box;
    struct String;
    struct Vec;
    struct Future;
    struct Clone;
    struct Into;
    struct From;
    struct ToString;
    struct Default;
    struct FromRequest;
    struct HttpRequest;
    mod actix_web {}
    mod login_runtime {}
    mod core {}
    mod std {}

    use ::actix_web::{App, HttpResponse, dev, test, web};
    use ::login_runtime::{
        AnonymousUserMixin, CurrentUser, LoginManager, UserMixin, login_required, login_user,
        request_loader, user_loader,
    };

    #[derive(::core::clone::Clone, ::core::default::Default)]
    pub struct Guest;

    impl AnonymousUserMixin for Guest {}

    #[derive(::core::clone::Clone, UserMixin)]
    #[user(anonymous = Guest)]
    pub struct User {
        #[user(id)]
        name: ::std::string::String,
        #[user(active)]
        active: bool,
        #[user(auth_hash)]
        hash: ::std::vec::Vec<u8>,
    }

    fn user(name: &str) -> User {
        User {
            name: name.to_owned(),
            active: name != "inactive",
            hash: b"hash".to_vec(),
        }
    }

    // The parameter names are the ones an expansion might pick for its own bindings.
    #[user_loader]
    async fn load_user(
        id: ::std::string::String,
        req: ::actix_web::HttpRequest,
    ) -> ::core::result::Result<::core::option::Option<User>, ::actix_web::Error> {
        let _path = req.path();
        ::core::result::Result::Ok(::core::option::Option::Some(user(&id)))
    }

    #[request_loader]
    async fn from_api_key(req: ::actix_web::HttpRequest) -> ::core::option::Option<User> {
        let key = req.headers().get("x-api-key")?.to_str().ok()?;
        ::core::option::Option::Some(user(key))
    }

    #[login_required]
    async fn settings(
        req: ::actix_web::HttpRequest,
        query: web::Query<::std::collections::HashMap<::std::string::String, u8>>,
        user: CurrentUser<User>,
    ) -> ::std::string::String {
        let id = user.get_id().unwrap_or_default();
        format!("{} {} {id}", req.path(), query.len())
    }

    #[login_required(fresh)]
    async fn password() -> &'static str {
        "password"
    }

    async fn login(
        req: ::actix_web::HttpRequest,
        name: web::Path<::std::string::String>,
    ) -> ::core::result::Result<HttpResponse, ::actix_web::Error> {
        let _logged_in = login_user(&req, &user(&name))?.is_logged_in();
        ::core::result::Result::Ok(HttpResponse::NoContent().finish())
    }

    /// The app, with every expansion registered.
    pub async fn app() -> impl dev::Service<
        ::actix_http::Request,
        Response = dev::ServiceResponse,
        Error = ::actix_web::Error,
    > {
        let session = ::actix_session::SessionMiddleware::builder(
            ::actix_session::storage::CookieSessionStore::default(),
            ::actix_web::cookie::Key::from(&[3; 64]),
        )
        .cookie_secure(false)
        .build();
        test::init_service(
            App::new()
                .wrap(LoginManager::<User>::new().request_loader())
                .wrap(session)
                .route("/login/{name}", web::post().to(login))
                .route("/settings", web::get().to(settings))
                .route("/password", web::get().to(password)),
        )
        .await
    }

    /// What the derive generated, read through the trait.
    pub fn derived() -> (::std::string::String, bool, bool, bool) {
        let ann = user("ann");
        let anonymous = <User as UserMixin>::Anonymous::default();
        (
            ann.get_id(),
            ann.session_auth_hash().as_deref() == ::core::option::Option::Some(&b"hash"[..]),
            user("inactive").is_active(),
            anonymous.is_anonymous(),
        )
    }
}

use actix_web::test::{self, TestRequest};

#[test]
fn the_derive_expands_with_std_names_shadowed() {
    assert_eq!(shadowed::derived(), ("ann".to_owned(), true, false, true));
}

#[actix_web::test]
async fn the_attributes_expand_and_guard_with_std_names_shadowed() {
    let app = shadowed::app().await;

    let res = test::call_service(&app, TestRequest::get().uri("/settings").to_request()).await;
    assert_eq!(res.status(), 401, "anonymous");

    let req = TestRequest::post().uri("/login/ann").to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), 204);
    let cookie = res
        .response()
        .cookies()
        .next()
        .expect("the login sets the session cookie")
        .into_owned();

    let req = TestRequest::get()
        .uri("/settings?a=1&b=2")
        .cookie(cookie.clone())
        .to_request();
    let body = test::call_and_read_body(&app, req).await;
    assert_eq!(body, "/settings 2 ann", "the user loader ran");

    let req = TestRequest::get()
        .uri("/password")
        .cookie(cookie)
        .to_request();
    let body = test::call_and_read_body(&app, req).await;
    assert_eq!(body, "password", "a fresh login passes `fresh`");

    let req = TestRequest::get()
        .uri("/settings")
        .insert_header(("x-api-key", "bob"))
        .to_request();
    let body = test::call_and_read_body(&app, req).await;
    assert_eq!(body, "/settings 0 bob", "the request loader ran");
}
