#[path = "../support/mod.rs"]
mod support;

use std::fmt::Display;

use actix_web::{App, test, web};
use login_runtime::{LoginManager, UserMixin, login_required, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

trait Greeting {
    fn greeting(&self) -> String;
}

struct English;

impl Greeting for English {
    fn greeting(&self) -> String {
        "hello".to_owned()
    }
}

// Generics, a where-clause and a lifetime-free bound list all survive the rewrite.
#[login_required]
async fn greet<G, N>(greeter: web::Data<G>, name: web::Path<N>) -> String
where
    G: Greeting + 'static,
    N: Display + serde::de::DeserializeOwned,
{
    format!("{} {}", greeter.greeting(), name.into_inner())
}

#[actix_web::main]
async fn main() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(English))
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/greet/{name}", web::get().to(greet::<English, String>)),
    )
    .await;
    assert_eq!(support::get(&app, "/greet/ann", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    let (status, body) = support::get(&app, "/greet/ann", Some(&cookie)).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "hello ann"));
}
