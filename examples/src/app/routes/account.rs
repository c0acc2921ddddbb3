//! The user's own account: an overview for any login, and security settings (password change,
//! log out everywhere) for a fresh login only.

use std::rc::Rc;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use login_runtime::password::Passwords;
use login_runtime::{
    Authenticated, CurrentUser, LoginThrottle, flash, login_fresh, login_required,
    logout_everywhere, update_session_auth_hash, verify_csrf,
};
use minijinja::context;
use serde::Deserialize;

use super::auth::succeeded;
use super::{TokenForm, see_other, throttled};
use crate::app::db::{self, Db};
use crate::app::templates::{Page, Templates};
use crate::app::users::{User, password_problem};
use crate::app::{PASSWORD_CHANGED, WRONG_PASSWORD};

/// Any login, fresh or restored from the remember cookie.
#[get("/account")]
#[login_required]
pub(super) async fn account(
    req: HttpRequest,
    user: Authenticated<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let user = CurrentUser::Authenticated(user.into_inner());
    let ctx = context! { fresh => login_fresh(&req).await, error => "" };
    templates.render(&req, &user, Page::new("account.html"), ctx)
}

/// Fresh logins only: a login restored from the remember cookie (after the five idle minutes,
/// or a closed browser) is sent to `/relogin` with "Session timedout, please re-login".
#[get("/account/security")]
#[login_required(fresh)]
pub(super) async fn security(
    req: HttpRequest,
    user: Authenticated<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let user = CurrentUser::Authenticated(user.into_inner());
    templates.render(
        &req,
        &user,
        Page::new("security.html"),
        context! { error => "" },
    )
}

/// The password-change form's fields.
#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

#[post("/account/password")]
#[login_required(fresh)]
#[allow(clippy::too_many_arguments)] // one extractor per thing the handler uses
pub(super) async fn change_password(
    req: HttpRequest,
    user: Authenticated<User>,
    form: web::Form<PasswordForm>,
    db: web::Data<Db>,
    passwords: web::Data<Passwords>,
    throttle: web::Data<LoginThrottle>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let PasswordForm {
        csrf_token,
        current,
        password,
        confirm,
    } = form.into_inner();
    verify_csrf(&req, &csrf_token)?;
    let user: Rc<User> = user.into_inner();
    let viewer = CurrentUser::Authenticated(Rc::clone(&user));
    let refuse = |error: &str| {
        templates.render(
            &req,
            &viewer,
            Page::new("security.html"),
            context! { error },
        )
    };

    // The current password, even on a fresh login: whoever finds the browser unlocked must
    // not be able to lock its owner out. Throttled like a login.
    let attempt = match throttle.attempt(&req, &user.username).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(&req, &viewer, &templates, err),
    };
    let verified = passwords
        .verify(current, Some(user.password_hash.as_str()))
        .await?;
    if !verified.is_match() {
        attempt.failed();
        return refuse(WRONG_PASSWORD);
    }
    succeeded(attempt).await;
    let problem = password_problem(&user.username, &password)
        .or_else(|| (password != confirm).then_some("The two new passwords differ."));
    if let Some(problem) = problem {
        return refuse(problem);
    }

    let hash = passwords.hash(password).await?;
    let (id, stored) = (user.id, hash.clone());
    db.run(move |conn| db::set_password_hash(conn, id, &stored))
        .await?;
    // The new hash is the user's auth hash: every other session and remember cookie of theirs
    // no longer matches it and is anonymous on its next request. This one is kept.
    let updated = User {
        password_hash: hash,
        ..User::clone(&user)
    };
    update_session_auth_hash(&req, &updated)?;
    tracing::info!(user = updated.id, "password changed");
    flash(&req, "info", PASSWORD_CHANGED)?;
    Ok(see_other("/account"))
}

#[post("/account/logout-everywhere")]
#[login_required(fresh)]
pub(super) async fn logout_all(
    req: HttpRequest,
    user: Authenticated<User>,
    form: web::Form<TokenForm>,
) -> actix_web::Result<HttpResponse> {
    verify_csrf(&req, &form.csrf_token)?;
    // Every login of this user made until now, here and on every other device, sessions and
    // remember cookies alike; with `REDIS_URL`, on every instance.
    logout_everywhere(&req, &*user).await?;
    flash(&req, "info", "You are logged out everywhere, here too.")?;
    Ok(see_other("/login"))
}
