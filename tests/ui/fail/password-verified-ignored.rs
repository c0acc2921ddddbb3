// The answer of `Passwords::verify` must be looked at: a mismatch must refuse the login.
#![deny(unused_must_use)]

use actix_web::HttpResponse;
use login_runtime::password::Passwords;

async fn login(passwords: &Passwords, stored: Option<&str>) -> actix_web::Result<HttpResponse> {
    passwords.verify("minecraft", stored).await?;
    Ok(HttpResponse::SeeOther().finish())
}

fn main() {
    let _ = login;
}
