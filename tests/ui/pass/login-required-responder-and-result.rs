#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, HttpResponse, Responder, error, get, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

#[get("/item/{n}")]
#[login_required]
async fn item(n: web::Path<u32>) -> impl Responder {
    if *n == 0 {
        return HttpResponse::NotFound().body("no item 0");
    }
    HttpResponse::Ok().body(format!("item {n}"))
}

#[get("/half/{n}")]
#[login_required]
async fn half(n: web::Path<String>) -> Result<String, error::Error> {
    let n: u32 = n.parse().map_err(error::ErrorBadRequest)?;
    if n % 2 == 1 {
        return Err(error::ErrorUnprocessableEntity("odd"));
    }
    Ok(format!("{}", n / 2))
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(item)
            .service(half),
    )
    .await;
    assert_eq!(support::get(&app, "/item/1", None).await.0, 401);
    assert_eq!(support::get(&app, "/half/4", None).await.0, 401);
    let cookie = Some(support::login(&app, "1").await);
    let cookie = cookie.as_ref();
    assert_eq!(
        support::get(&app, "/item/0", cookie).await.0,
        404,
        "early return"
    );
    assert_eq!(support::get(&app, "/item/3", cookie).await.1, "item 3");
    assert_eq!(support::get(&app, "/half/x", cookie).await.0, 400, "`?`");
    assert_eq!(
        support::get(&app, "/half/3", cookie).await.0,
        422,
        "early return"
    );
    assert_eq!(support::get(&app, "/half/4", cookie).await.1, "2");
}
