// A throttled login handler must say how the attempt went: an attempt dropped unseen would
// count every login, right passwords too, as a failure.
#![deny(unused_must_use)]

use actix_web::{HttpRequest, HttpResponse, web};
use login_runtime::LoginThrottle;

async fn login(req: HttpRequest, throttle: web::Data<LoginThrottle>) -> actix_web::Result<HttpResponse> {
    throttle.attempt(&req, "notch").await?;
    Ok(HttpResponse::SeeOther().finish())
}

fn main() {
    let _ = login;
}
