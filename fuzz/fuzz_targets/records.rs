//! Arbitrary login records in a validly signed session, and replays of revoked and
//! foreign-manager logins: never a panic, never a 500; a revoked login or another manager's
//! login never gets in; an arbitrary record gets in only when it is a well-formed record of
//! this manager (docs/behaviour.md S2, S6, S9, V2).
#![no_main]

use std::cell::RefCell;

use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::{App, HttpRequest, get, post, web};
use libfuzzer_sys::fuzz_target;
use login_runtime::{
    CurrentUser, LoginManager, LoginOptions, RememberMe, UserMixin, login_required,
    login_user_with, logout_user, user_loader,
};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[derive(Clone, UserMixin)]
struct Staff {
    id: u64,
}

#[user_loader]
async fn load(id: u64) -> Option<User> {
    Some(User { id })
}

#[user_loader]
async fn load_staff(id: u64) -> Option<Staff> {
    Some(Staff { id })
}

#[get("/")]
#[login_required]
async fn secret(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

#[get("/login/{id}")]
async fn login(req: HttpRequest, id: web::Path<u64>) -> actix_web::Result<&'static str> {
    let options = LoginOptions::default().remember(true);
    assert!(login_user_with(&req, &User { id: *id }, options)?.is_logged_in());
    Ok("in")
}

#[get("/staff/login")]
async fn staff_login(req: HttpRequest) -> actix_web::Result<&'static str> {
    let options = LoginOptions::default().remember(true);
    assert!(login_user_with(&req, &Staff { id: 1 }, options)?.is_logged_in());
    Ok("staff in")
}

#[get("/logout")]
async fn logout(req: HttpRequest) -> actix_web::Result<&'static str> {
    logout_user(&req).await?;
    Ok("out")
}

#[post("/plant")]
async fn plant(session: Session, body: web::Bytes) -> actix_web::Result<&'static str> {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => session.insert("_login", value)?,
        Err(_) => session.insert("_login", String::from_utf8_lossy(&body).into_owned())?,
    }
    Ok("planted")
}

thread_local! {
    static SYSTEM: RefCell<actix_rt::SystemRunner> = RefCell::new(actix_rt::System::new());
}

/// The `Cookie` header that replays every cookie `res` set.
fn cookies<B>(res: &ServiceResponse<B>) -> String {
    res.response()
        .cookies()
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn get<S, B>(app: &S, uri: &str, cookie: &str) -> ServiceResponse<B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let mut req = TestRequest::get().uri(uri);
    if !cookie.is_empty() {
        req = req.insert_header((header::COOKIE, cookie.to_owned()));
    }
    call_service(app, req.to_request()).await
}

/// Whether `record` is one the library may accept: a version 3 record (one line of twelve
/// `|`-separated fields, the user id last) of this manager's namespace.
fn well_formed(record: &[u8]) -> bool {
    let text = match serde_json::from_slice::<serde_json::Value>(record) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(_) => return false,
        Err(_) => String::from_utf8_lossy(record).into_owned(),
    };
    let fields: Vec<&str> = text.splitn(12, '|').collect();
    fields.len() == 12 && fields[0] == "3" && fields[10] == std::any::type_name::<User>()
}

fuzz_target!(|input: (u8, u64, &[u8])| {
    let (mode, id, record) = input;
    SYSTEM.with(|system| {
        let system = system.borrow();
        system.block_on(async {
            let key = Key::from(&[5; 64]);
            let remember = RememberMe::new(&key).secure(false);
            let app = init_service(
                App::new()
                    .service(
                        web::scope("/staff")
                            .wrap(LoginManager::<Staff>::new().remember_me(remember.clone()))
                            .service(staff_login),
                    )
                    .service(
                        web::scope("")
                            .wrap(LoginManager::<User>::new().remember_me(remember))
                            .service(secret)
                            .service(login)
                            .service(logout)
                            .service(plant),
                    )
                    .wrap(SessionMiddleware::new(CookieSessionStore::default(), key)),
            )
            .await;
            match mode % 3 {
                // A login, copied, then logged out: the copy never gets in again.
                0 => {
                    let logged_in = get(&app, &format!("/login/{id}"), "").await;
                    let copy = cookies(&logged_in);
                    assert_eq!(get(&app, "/", &copy).await.status(), 200);
                    let out = get(&app, "/logout", &copy).await;
                    assert_eq!(out.status(), 200);
                    let replay = get(&app, "/", &copy).await;
                    assert_eq!(replay.status(), 401, "a revoked login got in");
                }
                // Another manager's login (session and remember cookie) is no login here.
                1 => {
                    let staff = get(&app, "/staff/login", "").await;
                    let copy = cookies(&staff);
                    let res = get(&app, "/", &copy).await;
                    assert_eq!(res.status(), 401, "a foreign-manager login got in");
                }
                // An arbitrary record: only a well-formed one of ours may get in.
                _ => {
                    let req = TestRequest::post()
                        .uri("/plant")
                        .set_payload(record.to_vec())
                        .to_request();
                    let planted = call_service(&app, req).await;
                    let copy = cookies(&planted);
                    let res = get(&app, "/", &copy).await;
                    let status = res.status();
                    let body = read_body(res).await;
                    assert!(status == 401 || status == 200, "{status}");
                    assert!(
                        status == 401 || well_formed(record),
                        "a malformed record got in: {body:?}"
                    );
                }
            }
        });
    });
});
