//! The admin page, behind a typed permission, and the page a user without it gets.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use login_runtime::{Authenticated, CurrentUser, login_required};
use minijinja::context;

use crate::app::db::{self, Db};
use crate::app::templates::{Page, Templates};
use crate::app::users::{Role, User};

/// The most accounts the page lists.
const LIST_LIMIT: u32 = 1000;

/// Accounts with the `Admin` role only: a visitor gets the login flow, any other user `403`
/// (the page [`forbidden`] renders). `Role::Admin` is an enum value, so a typo does not build,
/// and naming `Authenticated<User>` here makes a permission of another type a compile error.
#[get("/admin")]
#[login_required(permission = Role::Admin)]
pub(super) async fn admin(
    req: HttpRequest,
    user: Authenticated<User>,
    db: web::Data<Db>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let accounts = db.run(|conn| db::accounts(conn, LIST_LIMIT)).await?;
    let user = CurrentUser::Authenticated(user.into_inner());
    templates.render(&req, &user, Page::new("admin.html"), context! { accounts })
}

/// The manager's `forbidden_handler`: the app's own `403` page instead of the library's plain
/// one. It runs outside any handler, so it names no user.
pub(crate) fn forbidden(req: &HttpRequest) -> HttpResponse {
    let message = "Your account does not have the permission this page needs.";
    match req.app_data::<web::Data<Templates>>() {
        Some(templates) => templates.error(StatusCode::FORBIDDEN, message),
        None => HttpResponse::Forbidden().body(message),
    }
}
