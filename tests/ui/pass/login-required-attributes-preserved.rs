//! Doc comments and lint attributes on a handler survive the rewrite: `missing_docs`,
//! `unused_variables` and `unfulfilled_lint_expectations` are denied below, so a lost doc
//! comment or a lost `#[expect]` fails this case.
#![deny(
    missing_docs,
    unused_variables,
    unfulfilled_lint_expectations,
    deprecated
)]

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

/// The handlers.
pub mod handlers {
    use super::*;

    /// The settings page.
    #[get("/settings")]
    #[login_required]
    #[expect(unused_variables, reason = "the request is not needed yet")]
    #[cfg_attr(all(), doc = "Appended by `cfg_attr`.")]
    pub async fn settings(req: HttpRequest) -> &'static str {
        "settings"
    }

    /// A handler on its way out.
    #[deprecated = "use `settings`"]
    #[login_required]
    pub async fn old_settings() -> &'static str {
        "old settings"
    }
}

#[actix_web::main]
async fn main() {
    #[allow(deprecated)]
    let old = handlers::old_settings;
    let app = test::init_service(
        App::new()
            .wrap(LoginManager::<User>::new())
            .wrap(support::session())
            .route("/login/{id}", web::post().to(support::login_as::<User>))
            .route("/old", web::get().to(old))
            .service(handlers::settings),
    )
    .await;
    assert_eq!(support::get(&app, "/settings", None).await.0, 401);
    assert_eq!(support::get(&app, "/old", None).await.0, 401);
    let cookie = support::login(&app, "1").await;
    assert_eq!(
        support::get(&app, "/settings", Some(&cookie)).await.1,
        "settings"
    );
    assert_eq!(
        support::get(&app, "/old", Some(&cookie)).await.1,
        "old settings"
    );
}
