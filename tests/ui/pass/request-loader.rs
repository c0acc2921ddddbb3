#[path = "../support/mod.rs"]
mod support;

use actix_web::test::TestRequest;
use actix_web::{App, HttpRequest, get, test, web};
use login_runtime::{
    CurrentUser, LoginManager, UserMixin, login_required, request_loader, user_loader,
};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

struct Keys(Vec<(&'static str, u64)>);

/// Every parameter is an extractor; `Result` with an error that converts works too.
#[request_loader]
async fn from_api_key(
    req: HttpRequest,
    keys: web::Data<Keys>,
) -> Result<Option<User>, actix_web::Error> {
    let Some(key) = req.headers().get("x-api-key") else {
        return Ok(None);
    };
    let key = key.to_str().map_err(actix_web::error::ErrorBadRequest)?;
    Ok(keys
        .0
        .iter()
        .find(|(known, _)| *known == key)
        .map(|&(_, id)| User { id }))
}

#[get("/me")]
#[login_required]
async fn me(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Keys(vec![("k1", 1), ("k2", 2)])))
            .wrap(LoginManager::<User>::new().request_loader())
            .wrap(support::session())
            .service(me),
    )
    .await;
    assert_eq!(support::get(&app, "/me", None).await.0, 401);
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(("x-api-key", "k2"));
    assert_eq!(support::send(&app, req, None).await.1, "Some(\"2\")");
    let req = TestRequest::get()
        .uri("/me")
        .insert_header(("x-api-key", "nope"));
    assert_eq!(support::send(&app, req, None).await.0, 401);
}
