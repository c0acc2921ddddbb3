// `KeyStoreDown` is neither a `std::error::Error` nor an actix error.
use actix_web::{App, HttpRequest};
use login_runtime::{LoginManager, UserMixin, request_loader, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    Some(User { id })
}

fn token(req: &HttpRequest) -> Option<u64> {
    req.headers().get("x-api-key")?.to_str().ok()?.parse().ok()
}

#[derive(Debug)]
struct KeyStoreDown;

#[request_loader]
async fn from_api_key(req: HttpRequest) -> Result<Option<User>, KeyStoreDown> {
    Ok(token(&req).map(|id| User { id }))
}

fn main() {
    let _app = App::new().wrap(LoginManager::<User>::new().request_loader());
}
