// `login_user` takes the user, not its name: the error names the user type, and does not ask
// for `UserMixin` on `String`.
use actix_web::{HttpRequest, HttpResponse, web};
use login_runtime::login_user;

async fn login(req: HttpRequest, name: web::Form<String>) -> actix_web::Result<HttpResponse> {
    let name = name.into_inner();
    login_user(&req, &name)?;
    Ok(HttpResponse::SeeOther().finish())
}

fn main() {
    let _ = login;
}
