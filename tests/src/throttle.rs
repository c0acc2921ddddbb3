//! The login route the throttling tests (in process and on Redis) put `LoginThrottle` in front
//! of: the handler the docs show.

use actix_web::{HttpRequest, HttpResponse, post, web};
use login_runtime::{LoginThrottle, login_user};
use serde::Deserialize;

use crate::User;

/// The body of a refused password.
pub const WRONG: &str = "wrong username or password";

/// The login form.
#[derive(Deserialize)]
pub struct Credentials {
    /// As typed.
    pub username: String,
    /// As typed.
    pub password: String,
}

/// `POST /sign-in`: the throttle first, then the password, then the verdict. Only `notch` /
/// `minecraft` logs in (any case and spacing of the name); every other name is as unknown as it
/// gets.
#[post("/sign-in")]
pub async fn sign_in(
    req: HttpRequest,
    form: web::Form<Credentials>,
    throttle: web::Data<LoginThrottle>,
) -> actix_web::Result<HttpResponse> {
    let attempt = throttle.attempt(&req, &form.username).await?;
    if form.username.trim().eq_ignore_ascii_case("notch") && form.password == "minecraft" {
        attempt.succeeded().await?;
        let notch = User {
            id: 1,
            name: "Notch".to_owned(),
            active: true,
        };
        if login_user(&req, &notch)?.is_logged_in() {
            return Ok(HttpResponse::Ok().body("welcome Notch"));
        }
        return Ok(HttpResponse::Forbidden().finish());
    }
    attempt.failed();
    Ok(HttpResponse::Unauthorized().body(WRONG))
}
