//! Logging in (throttled, with remember-me and a safe `next`), re-entering the password for a
//! stale login, logging out, and registering.

use std::rc::Rc;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use login_runtime::password::{Passwords, Verified};
use login_runtime::{
    Authenticated, CurrentUser, LoginAttempt, LoginOptions, LoginThrottle, confirm_login, flash,
    login_required, login_user, login_user_with, logout_user, safe_next, verify_csrf,
};
use minijinja::context;
use serde::Deserialize;

use super::{NextQuery, TokenForm, pick_next, see_other, throttled};
use crate::app::db::{self, Db, UsernameTaken};
use crate::app::templates::{Page, Templates};
use crate::app::users::{User, password_problem, username_problem};
use crate::app::{LOGIN_FAILED, USERNAME_TAKEN, WRONG_PASSWORD};

/// The login form's fields.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Carried through the form as a hidden field.
    next: Option<String>,
    /// The "Remember me" checkbox: present (as `on`) only when ticked.
    remember: Option<String>,
}

#[get("/login")]
pub(super) async fn login_form(
    req: HttpRequest,
    user: CurrentUser<User>,
    query: web::Query<NextQuery>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    // `next` is echoed into the form as it came (auto-escaped) and checked only when used.
    let next = query.into_inner().next.unwrap_or_default();
    let ctx = context! { next, username => "", error => "" };
    templates.render(&req, &user, Page::new("login.html").with_form(), ctx)
}

#[post("/login")]
#[allow(clippy::too_many_arguments)] // one extractor per thing the handler uses
pub(super) async fn login(
    req: HttpRequest,
    user: CurrentUser<User>,
    query: web::Query<NextQuery>,
    form: web::Form<LoginForm>,
    db: web::Data<Db>,
    passwords: web::Data<Passwords>,
    throttle: web::Data<LoginThrottle>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let LoginForm {
        csrf_token,
        username,
        password,
        next,
        remember,
    } = form.into_inner();
    // First: only a form this session was served may log in (login CSRF). A forged post is
    // not even counted by the throttle.
    verify_csrf(&req, &csrf_token)?;
    let next = pick_next(next, query);
    // Before any password work: too many failures for this name or this address is a 429.
    let attempt = match throttle.attempt(&req, &username).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(&req, &user, &templates, err),
    };

    let name = username.clone();
    let account = db.run(move |conn| db::user_by_name(conn, &name)).await?;
    let stored = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    // One argon2 verification whether the name exists or not (a dummy hash for an unknown
    // one), so neither the page nor its timing tells which names are registered.
    let verified = passwords
        .verify(password.as_str(), stored.as_deref())
        .await?;
    let (Verified::Match { needs_rehash }, Some(mut account)) = (verified, account) else {
        attempt.failed();
        let ctx = context! { next, username, error => LOGIN_FAILED };
        return templates.render(&req, &user, Page::new("login.html").with_form(), ctx);
    };
    succeeded(attempt).await;
    if needs_rehash {
        // The password is at hand only now: store a hash with today's parameters. It is the
        // auth hash too, so this ends the user's other sessions, once, on a parameter upgrade;
        // this login records the new one.
        let hash = passwords.hash(password).await?;
        let (id, stored) = (account.id, hash.clone());
        db.run(move |conn| db::set_password_hash(conn, id, &stored))
            .await?;
        account.password_hash = hash;
    }
    let options = LoginOptions::default().remember(remember.is_some());
    if !login_user_with(&req, &account, options)?.is_logged_in() {
        // Every account here is active; a user type with `#[user(active)]` would land here.
        let ctx = context! { next, username, error => "This account is disabled." };
        return templates.render(&req, &user, Page::new("login.html").with_form(), ctx);
    }
    // Only a path on this site; `//evil.example` or `https://evil.example` go home instead.
    let target = next
        .and_then(|next| safe_next(&req, &next))
        .unwrap_or_else(|| "/".to_owned());
    Ok(see_other(&target))
}

/// Tells the throttle the password was right. If its store cannot record that, the attempt
/// stays counted as a failure, which costs the user nothing now: log it and go on.
pub(super) async fn succeeded(attempt: LoginAttempt) {
    if let Err(err) = attempt.succeeded().await {
        tracing::warn!("the login throttle could not record a success: {err}");
    }
}

#[post("/logout")]
pub(super) async fn logout(
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> actix_web::Result<HttpResponse> {
    verify_csrf(&req, &form.csrf_token)?;
    logout_user(&req).await?;
    flash(&req, "info", "You are logged out.")?;
    Ok(see_other("/"))
}

/// The re-login form's fields.
#[derive(Deserialize)]
pub(super) struct ReloginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Where a stale login re-enters its password (the manager's `refresh_view`); the message
/// "Session timedout, please re-login" was flashed by the redirect that led here.
#[get("/relogin")]
#[login_required]
pub(super) async fn relogin_form(
    req: HttpRequest,
    user: Authenticated<User>,
    query: web::Query<NextQuery>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let user = CurrentUser::Authenticated(user.into_inner());
    let next = query.into_inner().next.unwrap_or_default();
    let ctx = context! { next, error => "" };
    templates.render(&req, &user, Page::new("relogin.html"), ctx)
}

#[post("/relogin")]
#[login_required]
#[allow(clippy::too_many_arguments)] // one extractor per thing the handler uses
pub(super) async fn relogin(
    req: HttpRequest,
    user: Authenticated<User>,
    query: web::Query<NextQuery>,
    form: web::Form<ReloginForm>,
    passwords: web::Data<Passwords>,
    throttle: web::Data<LoginThrottle>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let ReloginForm {
        csrf_token,
        password,
        next,
    } = form.into_inner();
    verify_csrf(&req, &csrf_token)?;
    let user: Rc<User> = user.into_inner();
    let current = CurrentUser::Authenticated(Rc::clone(&user));
    let next = pick_next(next, query);
    // A stolen remembered login must not be a free password oracle: throttled like a login.
    let attempt = match throttle.attempt(&req, &user.username).await {
        Ok(attempt) => attempt,
        Err(err) => return throttled(&req, &current, &templates, err),
    };
    let verified = passwords
        .verify(password, Some(user.password_hash.as_str()))
        .await?;
    if !verified.is_match() {
        attempt.failed();
        let ctx = context! { next, error => WRONG_PASSWORD };
        return templates.render(&req, &current, Page::new("relogin.html"), ctx);
    }
    succeeded(attempt).await;
    confirm_login(&req).await?;
    let target = next
        .and_then(|next| safe_next(&req, &next))
        .unwrap_or_else(|| "/account".to_owned());
    Ok(see_other(&target))
}

/// The registration form's fields.
#[derive(Deserialize)]
pub(super) struct RegisterForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

#[get("/register")]
pub(super) async fn register_form(
    req: HttpRequest,
    user: CurrentUser<User>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let ctx = context! { username => "", error => "" };
    templates.render(&req, &user, Page::new("register.html").with_form(), ctx)
}

#[post("/register")]
pub(super) async fn register(
    req: HttpRequest,
    user: CurrentUser<User>,
    form: web::Form<RegisterForm>,
    db: web::Data<Db>,
    passwords: web::Data<Passwords>,
    templates: web::Data<Templates>,
) -> actix_web::Result<HttpResponse> {
    let RegisterForm {
        csrf_token,
        username,
        password,
        confirm,
    } = form.into_inner();
    verify_csrf(&req, &csrf_token)?;
    let username = username.trim().to_owned();
    let refuse = |error: &str| {
        let ctx = context! { username => &username, error };
        templates.render(&req, &user, Page::new("register.html").with_form(), ctx)
    };
    let problem = username_problem(&username)
        .or_else(|| password_problem(&username, &password))
        .or_else(|| (password != confirm).then_some("The two passwords differ."));
    if let Some(problem) = problem {
        return refuse(problem);
    }
    // Usernames are public (they are how people log in), so saying one is taken tells
    // nothing secret; checking first spares an argon2 hash per duplicate.
    let name = username.clone();
    if db
        .run(move |conn| db::user_by_name(conn, &name))
        .await?
        .is_some()
    {
        return refuse(USERNAME_TAKEN);
    }
    let hash = passwords.hash(password).await?;
    let name = username.clone();
    let created = db
        .run(move |conn| db::create_user(conn, &name, &hash, &[]))
        .await?;
    let account = match created {
        Ok(account) => account,
        // Someone else registered the name since the check.
        Err(UsernameTaken) => return refuse(USERNAME_TAKEN),
    };
    tracing::info!(user = account.id, "registered");
    if !login_user(&req, &account)?.is_logged_in() {
        return refuse("This account is disabled.");
    }
    flash(
        &req,
        "info",
        &format!("Welcome, {}! Your account is ready.", account.username),
    )?;
    Ok(see_other("/account"))
}
