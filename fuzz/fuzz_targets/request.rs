//! Whole requests with arbitrary session cookie, remember cookie and `Authorization` header:
//! never a panic, never a 500, never a login (a valid cookie cannot be guessed);
//! docs/behaviour.md V2.
#![no_main]

use std::cell::RefCell;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::Key;
use actix_web::http::header::HeaderValue;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, HttpRequest, get};
use libfuzzer_sys::fuzz_target;
use login_runtime::{
    CurrentUser, LoginManager, RememberMe, UserMixin, login_required, request_loader, user_loader,
};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load(id: u64) -> Option<User> {
    Some(User { id })
}

#[request_loader]
async fn from_token(req: HttpRequest) -> Option<User> {
    let token = req.headers().get("authorization")?.to_str().ok()?;
    (token == "Bearer let-me-in").then_some(User { id: 1 })
}

#[get("/")]
#[login_required]
async fn secret(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

thread_local! {
    static SYSTEM: RefCell<actix_rt::SystemRunner> = RefCell::new(actix_rt::System::new());
}

fuzz_target!(|input: (&[u8], &[u8], &[u8])| {
    let (session, remember, authorization) = input;
    SYSTEM.with(|system| {
        let system = system.borrow();
        let key = Key::from(&[5; 64]);
        let app = system.block_on(init_service(
            App::new()
                .wrap(
                    LoginManager::<User>::new()
                        .remember_me(RememberMe::new(&key).secure(false))
                        .request_loader(),
                )
                .wrap(SessionMiddleware::new(CookieSessionStore::default(), key))
                .service(secret),
        ));
        let mut req = TestRequest::get().uri("/");
        let cookie = [&b"id="[..], session, b"; remember_token=", remember].concat();
        if let Ok(value) = HeaderValue::from_bytes(&cookie) {
            req = req.insert_header(("cookie", value));
        }
        if let Ok(value) = HeaderValue::from_bytes(authorization) {
            req = req.insert_header(("authorization", value));
        }
        let status = system
            .block_on(call_service(&app, req.to_request()))
            .status();
        assert!(
            status == 401 || authorization == b"Bearer let-me-in",
            "{status}"
        );
    });
});
