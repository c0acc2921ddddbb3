//! Derived `UserMixin` and the anonymous types (docs/behaviour.md B39, B40, B46).

use actix_session::SessionMiddleware;
use actix_web::test::init_service;
use actix_web::{App, get};
use login_runtime::{
    AnonymousUser, AnonymousUserMixin, CurrentUser, LoginManager, UserMixin, user_loader,
};
use login_runtime_tests::{Client, app::key};

#[derive(UserMixin)]
struct Plain {
    id: u64,
}

#[derive(UserMixin)]
struct Flagged {
    #[user(id)]
    email: String,
    #[user(active)]
    enabled: bool,
}

#[test]
fn b_39_derived_user_mixin() {
    let plain = Plain { id: 42 };
    assert_eq!(plain.get_id(), "42");
    assert!(plain.is_active(), "active without a marked field");
    assert!(plain.is_authenticated());
    assert!(!plain.is_anonymous());
    assert_eq!(plain.session_auth_hash(), None);
    assert!(plain.has_id("42"));
    assert!(
        !plain.has_id("042") && !plain.has_id("4") && !plain.has_id("420") && !plain.has_id("")
    );

    let enabled = Flagged {
        email: "a@example.com".into(),
        enabled: true,
    };
    assert_eq!(enabled.get_id(), "a@example.com");
    assert!(enabled.is_active() && enabled.is_authenticated());
    let disabled = Flagged {
        email: "b@example.com".into(),
        enabled: false,
    };
    assert!(!disabled.is_active());
    assert!(
        !disabled.is_authenticated(),
        "is_authenticated follows is_active"
    );
    assert!(!disabled.is_anonymous());
}

/// A custom visitor type.
#[derive(Default)]
struct Guest;

impl AnonymousUserMixin for Guest {}

#[derive(UserMixin)]
#[user(anonymous = Guest)]
struct Member {
    id: u64,
}

#[user_loader]
async fn load_member(id: u64) -> Option<Member> {
    (id == 1).then_some(Member { id })
}

#[get("/who")]
async fn who(user: CurrentUser<Member>) -> String {
    match user {
        CurrentUser::Anonymous(Guest) => format!(
            "guest authenticated={} active={} anonymous={} id={:?}",
            user.is_authenticated(),
            user.is_active(),
            user.is_anonymous(),
            user.get_id()
        ),
        CurrentUser::Authenticated(member) => format!("member {}", member.id),
    }
}

#[actix_rt::test]
async fn b_40_anonymous_user_and_a_custom_anonymous_type() {
    let anonymous = AnonymousUser;
    assert!(!anonymous.is_authenticated());
    assert!(!anonymous.is_active());
    assert!(anonymous.is_anonymous());
    assert_eq!(AnonymousUserMixin::get_id(&anonymous), None);

    let app = App::new()
        .wrap(LoginManager::<Member>::new())
        .wrap(
            SessionMiddleware::builder(
                actix_session::storage::CookieSessionStore::default(),
                key(),
            )
            .cookie_secure(false)
            .build(),
        )
        .service(who);
    let mut client = Client::new(init_service(app).await);
    assert_eq!(
        client.get("/who").await.body,
        "guest authenticated=false active=false anonymous=true id=None"
    );
}

#[derive(UserMixin, serde::Serialize)]
struct Profile {
    id: u64,
    name: String,
}

#[test]
fn current_user_serializes_for_templates_like_flask_current_user() {
    let user = CurrentUser::Authenticated(std::rc::Rc::new(Profile {
        id: 7,
        name: "Notch".into(),
    }));
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        serde_json::json!({
            "is_authenticated": true, "is_anonymous": false, "is_active": true,
            "id": 7, "name": "Notch"
        })
    );
    let visitor = CurrentUser::<Profile>::Anonymous(AnonymousUser);
    assert_eq!(
        serde_json::to_value(&visitor).unwrap(),
        serde_json::json!({
            "is_authenticated": false, "is_anonymous": true, "is_active": false
        })
    );
}

/// A custom visitor with a name of its own, as Flask's `AnonymousUserMixin` subclass "Guest".
#[derive(serde::Serialize)]
struct NamedGuest {
    name: &'static str,
}

impl Default for NamedGuest {
    fn default() -> Self {
        Self { name: "Guest" }
    }
}

impl AnonymousUserMixin for NamedGuest {}

#[derive(UserMixin, serde::Serialize)]
#[user(anonymous = NamedGuest)]
struct Visitor {
    id: u64,
    name: String,
}

#[test]
fn b_40_a_custom_anonymous_user_reaches_templates_with_its_fields() {
    let visitor = CurrentUser::<Visitor>::Anonymous(NamedGuest::default());
    assert_eq!(visitor.anonymous().map(|guest| guest.name), Some("Guest"));
    assert_eq!(
        serde_json::to_value(&visitor).unwrap(),
        serde_json::json!({
            "is_authenticated": false, "is_anonymous": true, "is_active": false,
            "name": "Guest"
        }),
        "`{{ current_user.name }}` shows the guest's name"
    );
    let member = CurrentUser::Authenticated(std::rc::Rc::new(Visitor {
        id: 1,
        name: "Notch".into(),
    }));
    assert!(member.anonymous().is_none());
    assert_eq!(serde_json::to_value(&member).unwrap()["name"], "Notch");
}
