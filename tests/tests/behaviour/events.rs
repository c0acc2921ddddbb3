//! Events (docs/behaviour.md B35, B36).

use std::sync::{Arc, Mutex};

use actix_web::test::init_service;
use actix_web::web;
use login_runtime::LoginManager;
use login_runtime_tests::{Client, Store, User, app_with};

type Seen = Arc<Mutex<Vec<(&'static str, Option<String>)>>>;

async fn client_recording() -> (
    Client<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
    Seen,
) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let manager = LoginManager::<User>::new().on_event(move |_req, event| {
        sink.lock()
            .unwrap()
            .push((event.name(), event.user().map(|user| user.name.clone())));
    });
    let app = app_with(manager, web::Data::new(Store::default()));
    (Client::new(init_service(app).await), seen)
}

#[actix_rt::test]
async fn b_35_accessed_fires_once_per_request_that_resolves_the_user() {
    let (mut client, seen) = client_recording().await;
    client.get("/secret").await; // guard and extractor: one resolution
    assert_eq!(
        *seen.lock().unwrap(),
        [("accessed", None), ("unauthorized", None)]
    );
    seen.lock().unwrap().clear();
    client.get("/static").await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "no event for a request that never asks"
    );
    client.get("/login/notch").await;
    seen.lock().unwrap().clear();
    client.get("/secret").await;
    assert_eq!(
        *seen.lock().unwrap(),
        [("accessed", Some("Notch".to_owned()))]
    );
}

#[actix_rt::test]
async fn b_36_logged_in_and_logged_out() {
    let (mut client, seen) = client_recording().await;
    client.get("/login/creeper").await;
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|(name, _)| *name != "logged_in"),
        "a refused login fires nothing"
    );
    client.get("/login/notch").await;
    assert!(
        seen.lock()
            .unwrap()
            .contains(&("logged_in", Some("Notch".to_owned())))
    );
    seen.lock().unwrap().clear();
    client.get("/logout").await;
    assert_eq!(seen.lock().unwrap().first(), Some(&("logged_out", None)));
    seen.lock().unwrap().clear();
    client.get("/logout").await;
    assert_eq!(
        seen.lock().unwrap().first(),
        Some(&("logged_out", None)),
        "on every logout_user"
    );
}
