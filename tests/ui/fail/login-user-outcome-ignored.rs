// An inactive user is not logged in: the outcome of `login_user` must be looked at.
#![deny(unused_must_use)]

use actix_web::{HttpRequest, HttpResponse};
use login_runtime::{UserMixin, login_user, user_loader};

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
    #[user(active)]
    active: bool,
}

#[user_loader]
async fn load(id: u64) -> Option<User> {
    Some(User { id, active: true })
}

async fn login(req: HttpRequest, user: User) -> actix_web::Result<HttpResponse> {
    login_user(&req, &user)?;
    Ok(HttpResponse::SeeOther().finish())
}

fn main() {
    let _ = login;
}
