//! Attributes on a guarded handler's parameters are kept: a `#[cfg(..)]` that is off removes the
//! parameter (its type need not even exist), and lint attributes still apply to the binding;
//! `unused_variables` is denied, so a lost `#[allow]` fails this case.
#![deny(unused_variables)]

#[path = "../support/mod.rs"]
mod support;

use actix_web::{App, HttpRequest, get, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

#[get("/items/{item}")]
#[login_required]
async fn item(
    #[cfg(any())] metrics: web::Data<MetricsOnlyInSomeBuilds>,
    #[allow(unused_variables)] req: HttpRequest,
    #[cfg(all())] path: web::Path<String>,
    #[cfg_attr(all(), allow(unused_variables))] query: web::Query<Vec<(String, String)>>,
    #[cfg_attr(any(), cfg(any()))] kept: HttpRequest,
) -> String {
    format!("item {} at {}", path.into_inner(), kept.path())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .service(item),
    )
    .await;
    assert_eq!(support::get(&app, "/items/7", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    assert_eq!(
        support::get(&app, "/items/7", Some(&cookie)).await.1,
        "item 7 at /items/7"
    );
}
