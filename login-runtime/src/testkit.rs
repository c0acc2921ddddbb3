//! The test kit: log a user in from an `actix_web::test` request, without a login route.
//!
//! Enabled by the `test-kit` feature; put it in `[dev-dependencies]` only:
//!
//! ```toml
//! [dev-dependencies]
//! login-runtime = { version = "0.1", features = ["test-kit"] }
//! ```
//!
//! The login rides in the request's extensions, which only code can fill — never anything a
//! client sends — and without the feature the manager does not even look for it.

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;

use std::rc::Rc;

use crate::request_state::RequestState;
use crate::{LoginOptions, UserLoader};

/// A login to perform when the request reaches `LoginManager`, as if a login route had run
/// `login_user` earlier in the same session. The response carries the session cookie, so later
/// requests of the test stay logged in.
///
/// ```
/// # use actix_web::{App, get, test::{self, TestRequest}};
/// # use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// # use login_runtime::{CurrentUser, LoginManager, UserMixin, login_fresh, user_loader};
/// use login_runtime::test::TestLogin;
/// # #[derive(Clone, UserMixin)] struct User { id: u64 }
/// # #[user_loader] async fn load(id: u64) -> Option<User> { Some(User { id }) }
/// # #[get("/")] async fn index(req: actix_web::HttpRequest, user: CurrentUser<User>) -> String {
/// #     format!("{:?} {}", user.get_id(), login_fresh(&req).await)
/// # }
/// # #[actix_web::main] async fn main() {
/// # let app = test::init_service(App::new().wrap(LoginManager::<User>::new())
/// #     .wrap(SessionMiddleware::new(CookieSessionStore::default(), actix_web::cookie::Key::generate()))
/// #     .service(index)).await;
/// let mut req = TestRequest::get().uri("/").to_request();
/// TestLogin::new(User { id: 7 }).fresh(false).attach(&mut req);
/// let body = test::call_and_read_body(&app, req).await;
/// assert_eq!(body, "Some(\"7\") false");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestLogin<U> {
    user: U,
    fresh: bool,
}

impl<U: UserLoader + Clone> TestLogin<U> {
    /// A fresh login of `user` (forced, so inactive users can be tested too).
    pub fn new(user: U) -> Self {
        Self { user, fresh: true }
    }

    /// Whether the login is fresh.
    pub fn fresh(self, fresh: bool) -> Self {
        Self { fresh, ..self }
    }

    /// Attaches the login to a test request (`TestRequest::to_request()`).
    pub fn attach(self, req: &mut impl HttpMessage) {
        req.extensions_mut().insert(self);
    }
}

/// Performs an attached test login; called by the manager when the feature is on.
pub(crate) fn apply<U: UserLoader>(req: &ServiceRequest) {
    let Some(TestLogin { user, fresh }) = req.extensions_mut().remove::<TestLogin<U>>() else {
        return;
    };
    let options = LoginOptions::default().force(true).fresh(fresh);
    let http = req.request();
    let result =
        RequestState::<U>::get(http).and_then(|state| state.login(http, Rc::new(user), options));
    if let Err(err) = result {
        tracing::error!(target: "login_runtime", "test login failed: {err}");
    }
}
