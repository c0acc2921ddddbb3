//! `axum_login`: axum-login on tower-sessions and axum, one `current_thread` tokio runtime.
//!
//! tower-sessions has no cookie store: the session lives in its `MemoryStore` (a hash map in
//! the process) and the cookie carries only the session id, here encrypted with the same
//! 64-byte key (`with_private`). So where the actix servers decrypt and parse the whole session
//! from the cookie, this one decrypts a short id and does a hash-map lookup — and its memory
//! grows with every live session (every login in the `POST /login` run creates one).
//!
//! `login_required!` answers 307 (`Redirect::temporary`); the same check is written out here as
//! a `from_fn` route layer answering 302 with `next`, like the other servers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_login::{AuthManagerLayerBuilder, AuthUser, AuthnBackend, UserId};
use login_runtime_bench_servers::{
    COOKIE_NAME, LoginForm, SESSION_KEY, address, login_url, user_table,
};
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::{MemoryStore, SessionManagerLayer};

#[derive(Clone, Debug)]
struct User {
    id: u64,
    name: String,
}

impl AuthUser for User {
    type Id = u64;

    fn id(&self) -> u64 {
        self.id
    }

    /// No password hash (the benchmark stores none): the session is never invalidated by a
    /// credential change, like the hand-written server.
    fn session_auth_hash(&self) -> &[u8] {
        &[]
    }
}

#[derive(Clone)]
struct Backend {
    users: Arc<HashMap<u64, User>>,
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = LoginForm;
    type Error = Infallible;

    async fn authenticate(&self, form: LoginForm) -> Result<Option<User>, Infallible> {
        Ok(form.check().and_then(|id| self.users.get(&id).cloned()))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, Infallible> {
        Ok(self.users.get(id).cloned())
    }
}

type AuthSession = axum_login::AuthSession<Backend>;

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `login_required!(Backend, login_url = "/login")`, answering 302 instead of 307.
async fn login_required(auth: AuthSession, req: Request, next: Next) -> Response {
    if auth.user.is_some() {
        next.run(req).await
    } else {
        found(&login_url(req.uri().path()))
    }
}

async fn login(mut auth: AuthSession, Form(form): Form<LoginForm>) -> Response {
    match auth.authenticate(form).await {
        Ok(Some(user)) => match auth.login(&user).await {
            Ok(()) => found("/protected"),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Ok(None) => (StatusCode::UNAUTHORIZED, "wrong user name or password").into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn login_form() -> &'static str {
    "log in"
}

async fn protected(auth: AuthSession) -> Response {
    match auth.user {
        Some(user) => format!("hello {}", user.name).into_response(),
        None => found(&login_url("/protected")),
    }
}

async fn logout(mut auth: AuthSession) -> Response {
    match auth.logout().await {
        Ok(_) => found("/"),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let address = address()?;
    let session_layer = SessionManagerLayer::new(MemoryStore::default())
        .with_name(COOKIE_NAME)
        .with_secure(false)
        // actix-session's default (tower-sessions' is `Strict`), so the cookies match.
        .with_same_site(SameSite::Lax)
        .with_private(Key::from(&SESSION_KEY));
    let backend = Backend {
        users: Arc::new(user_table(|id, name| User { id, name })),
    };
    let auth_layer = AuthManagerLayerBuilder::new(backend, session_layer).build();
    let app = Router::new()
        .route("/protected", get(protected))
        .route_layer(from_fn(login_required))
        .route("/login", post(login).get(login_form))
        .route("/logout", get(logout))
        .layer(auth_layer);
    let listener = tokio::net::TcpListener::bind(address).await?;
    axum::serve(listener, app).await
}
