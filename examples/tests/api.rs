//! Drives the `api` example in-process, through the same `App` its binary serves, on a
//! temporary SQLite file that the `app` example set up (its admin account, its migrations):
//! bearer tokens, JSON refusals, permissions, and what the database keeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use login_runtime::password::{Params, Passwords};
use login_runtime_examples::api::{self, ApiConfig, ApiState};
use login_runtime_examples::app::db;
use login_runtime_examples::app::{self, AppState};
use serde_json::{Value, json};

mod support;
use support::{ADMIN_PASSWORD, TempDb};

/// The plain user's password.
const NOTCH_PASSWORD: &str = "correct horse battery";

/// argon2 at its lightest: the suite stays fast (the binaries use the OWASP parameters).
fn light() -> Params {
    Params::new(64, 1, 1, None).expect("valid parameters")
}

/// Starts the app once on a new database (it migrates it and creates `admin`), registers the
/// plain user `notch`, and returns the API's state on the same file.
async fn setup(tmp: &TempDb) -> ApiState {
    let started = AppState::start(tmp.config()).await.expect("the app starts");
    assert!(started.admin.is_some(), "the app created the admin account");
    let hash = Passwords::with_params(light())
        .hash_blocking(NOTCH_PASSWORD)
        .unwrap();
    let created = tmp
        .db()
        .blocking(|conn| db::create_user(conn, "notch", &hash, &[]))
        .unwrap();
    assert!(created.is_ok());
    let mut config = ApiConfig::new(tmp.path());
    config.password_params = light();
    ApiState::start(&config).expect("the API starts")
}

/// What a test looks at in a response.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    challenge: Option<String>,
    retry_after: Option<String>,
    cache_control: Option<String>,
    sets_cookie: bool,
    /// The body as JSON; `Null` when empty.
    json: Value,
}

impl Reply {
    fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or_default()
    }

    fn assert_json_error(&self, status: StatusCode, error: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "{self:?}"
        );
        assert_eq!(self.json, json!({ "error": error }), "{self:?}");
    }
}

async fn send<S, B>(app: &S, req: TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let header = |name| {
        res.headers()
            .get(name)
            .map(|value: &HeaderValue| value.to_str().expect("ASCII header").to_owned())
    };
    let (content_type, challenge, retry_after, cache_control) = (
        header(header::CONTENT_TYPE),
        header(header::WWW_AUTHENTICATE),
        header(header::RETRY_AFTER),
        header(header::CACHE_CONTROL),
    );
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    let status = res.status();
    let body = test::read_body(res).await;
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|err| {
            panic!(
                "{status}: not JSON ({err}): {}",
                String::from_utf8_lossy(&body)
            )
        })
    };
    Reply {
        status,
        content_type,
        challenge,
        retry_after,
        cache_control,
        sets_cookie,
        json,
    }
}

/// `method uri` with `Authorization: Bearer token`.
fn with_token(method: Method, uri: &str, token: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

/// `POST /api/login`; the reply.
async fn login<S, B>(app: &S, username: &str, password: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = json!({ "username": username, "password": password, "name": "test" });
    send(app, TestRequest::post().uri("/api/login").set_json(body)).await
}

/// A first token for `username`, through `/api/login`: its id and text.
async fn token_for<S, B>(app: &S, username: &str, password: &str) -> (i64, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = login(app, username, password).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert!(!res.sets_cookie, "the API sets no cookie");
    assert_eq!(res.cache_control.as_deref(), Some("no-store"));
    let token = res.json["token"].as_str().expect("a token").to_owned();
    assert!(token.starts_with("lr_") && token.len() == 67, "{token}");
    (res.json["id"].as_i64().expect("an id"), token)
}

#[actix_web::test]
async fn no_token_is_a_json_401_whatever_the_accept_header() {
    let tmp = TempDb::new("api", "no-token");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    for accept in [
        None,
        Some("*/*"),
        Some("text/html"),
        Some("application/json"),
    ] {
        for (method, uri) in [
            (Method::GET, "/api/me"),
            (Method::GET, "/api/tokens"),
            (Method::POST, "/api/tokens"),
            (Method::DELETE, "/api/tokens/1"),
            (Method::GET, "/api/admin/users"),
        ] {
            let mut req = TestRequest::default().method(method).uri(uri);
            if let Some(accept) = accept {
                req = req.insert_header((header::ACCEPT, accept));
            }
            let res = send(&api, req).await;
            res.assert_json_error(StatusCode::UNAUTHORIZED, "login required");
            assert_eq!(res.challenge.as_deref(), Some(r#"Bearer realm="api""#));
            assert!(!res.sets_cookie);
        }
    }
    // Not a route: JSON too.
    let res = send(&api, TestRequest::get().uri("/api/nothing")).await;
    res.assert_json_error(StatusCode::NOT_FOUND, "not found");
}

#[actix_web::test]
async fn a_valid_token_is_its_user() {
    let tmp = TempDb::new("api", "valid");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (_, notch) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    let res = send(&api, with_token(Method::GET, "/api/me", &notch)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json["username"], "notch");
    assert_eq!(res.json["roles"], json!([]));
    assert!(res.json["id"].is_i64());
    assert!(!res.sets_cookie, "a token request gets no session");
    assert_eq!(res.cache_control.as_deref(), Some("no-store"));

    // The scheme is case-insensitive.
    let req = TestRequest::get()
        .uri("/api/me")
        .insert_header((header::AUTHORIZATION, format!("bearer {notch}")));
    assert_eq!(send(&api, req).await.status, StatusCode::OK);

    // The admin the app created holds its role here too; a name in another case is one account.
    let (_, admin) = token_for(&api, "ADMIN", ADMIN_PASSWORD).await;
    let res = send(&api, with_token(Method::GET, "/api/me", &admin)).await;
    assert_eq!(res.json["username"], "admin");
    assert_eq!(res.json["roles"], json!(["admin"]));

    // Its use is recorded; the listing never shows a token.
    let res = send(&api, with_token(Method::GET, "/api/tokens", &notch)).await;
    assert_eq!(res.status, StatusCode::OK);
    let tokens = res.json["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "test");
    assert!(tokens[0]["last_used_at"].is_i64(), "{res:?}");
    assert!(!res.json.to_string().contains("lr_"));
}

#[actix_web::test]
async fn malformed_authorization_is_a_401_and_never_a_panic() {
    let tmp = TempDb::new("api", "malformed");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (_, token) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    let digits = token.trim_start_matches("lr_");
    let bad: Vec<Vec<u8>> = [
        format!("Basic {token}"),
        format!("Token {token}"),
        token.clone(),
        format!("Bearer{token}"),
        format!("Bearer\t{token}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        "Bearer garbage".to_owned(),
        "Bearer lr_".to_owned(),
        format!("Bearer {digits}"),
        format!("Bearer LR_{digits}"),
        format!("Bearer lr_{}", digits.to_ascii_uppercase()),
        format!("Bearer {token} extra"),
        format!("Bearer {token}0"),
        format!("Bearer {}", &token[..token.len() - 1]),
        format!("Bearer {token}, Bearer {token}"),
        format!("Bearer lr_{}", "0".repeat(100_000)),
        format!("Bearer {}{token}", " ".repeat(200)),
        "Bearer lr_\u{e9}\u{e9}".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .chain([b"Bearer lr_\xff\xfe".to_vec(), vec![b'A'; 1 << 16]])
    .collect();
    for value in bad {
        let value = HeaderValue::from_bytes(&value).expect("a header value");
        let req = TestRequest::get()
            .uri("/api/me")
            .insert_header((header::AUTHORIZATION, value.clone()));
        let res = send(&api, req).await;
        res.assert_json_error(StatusCode::UNAUTHORIZED, "login required");
        assert_eq!(
            res.challenge.as_deref(),
            Some(r#"Bearer realm="api", error="invalid_token""#),
            "{value:?}"
        );
    }
    // Two headers, both with the valid token: which one counts is ambiguous, so neither does.
    let header = format!("Bearer {token}");
    let req = TestRequest::get()
        .uri("/api/me")
        .append_header((header::AUTHORIZATION, header.as_str()))
        .append_header((header::AUTHORIZATION, header.as_str()));
    send(&api, req)
        .await
        .assert_json_error(StatusCode::UNAUTHORIZED, "login required");
    // The token anywhere but the header is nothing.
    let req = TestRequest::get()
        .uri(&format!("/api/me?access_token={token}"))
        .insert_header((header::COOKIE, format!("token={token}")));
    assert_eq!(send(&api, req).await.status, StatusCode::UNAUTHORIZED);
    // And the token still works.
    let res = send(&api, with_token(Method::GET, "/api/me", &token)).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_revoked_token_is_a_401_and_only_the_owner_revokes() {
    let tmp = TempDb::new("api", "revoked");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (first_id, first) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    // A second token, made with the first, shown once.
    let req = with_token(Method::POST, "/api/tokens", &first).set_json(json!({ "name": "ci" }));
    let res = send(&api, req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json["name"], "ci");
    let second = res.json["token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);

    // Another user cannot revoke it, nor learn that it exists.
    let (_, admin) = token_for(&api, "admin", ADMIN_PASSWORD).await;
    let uri = format!("/api/tokens/{first_id}");
    send(&api, with_token(Method::DELETE, &uri, &admin))
        .await
        .assert_json_error(StatusCode::NOT_FOUND, "no such token");
    assert_eq!(
        send(&api, with_token(Method::GET, "/api/me", &first))
            .await
            .status,
        StatusCode::OK
    );

    // Its owner can, with either token.
    let res = send(&api, with_token(Method::DELETE, &uri, &second)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{res:?}");
    let res = send(&api, with_token(Method::GET, "/api/me", &first)).await;
    res.assert_json_error(StatusCode::UNAUTHORIZED, "login required");
    assert_eq!(
        send(&api, with_token(Method::GET, "/api/me", &second))
            .await
            .status,
        StatusCode::OK
    );
    send(&api, with_token(Method::DELETE, &uri, &second))
        .await
        .assert_json_error(StatusCode::NOT_FOUND, "no such token");
    let res = send(&api, with_token(Method::DELETE, "/api/tokens/x", &second)).await;
    res.assert_json_error(StatusCode::NOT_FOUND, "not found");
    let listed = send(&api, with_token(Method::GET, "/api/tokens", &second)).await;
    assert_eq!(listed.json["tokens"].as_array().unwrap().len(), 1);

    // A token can revoke itself.
    let second_id = listed.json["tokens"][0]["id"].as_i64().unwrap();
    let uri = format!("/api/tokens/{second_id}");
    let res = send(&api, with_token(Method::DELETE, &uri, &second)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = send(&api, with_token(Method::GET, "/api/me", &second)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_admin_route_takes_the_admin_role_and_answers_json() {
    let tmp = TempDb::new("api", "admin");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (_, notch) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    for accept in [None, Some("application/json"), Some("text/html")] {
        let mut req = with_token(Method::GET, "/api/admin/users", &notch);
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT, accept));
        }
        let res = send(&api, req).await;
        res.assert_json_error(StatusCode::FORBIDDEN, "permission required");
    }

    let (_, admin) = token_for(&api, "admin", ADMIN_PASSWORD).await;
    let res = send(&api, with_token(Method::GET, "/api/admin/users", &admin)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let users = res.json["users"].as_array().unwrap();
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "notch"]);
    assert_eq!(users[0]["roles"], json!(["admin"]));
    assert!(!res.json.to_string().contains("argon2"), "no password hash");
}

#[actix_web::test]
async fn tokens_are_stored_only_as_their_sha256() {
    let tmp = TempDb::new("api", "hashed");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (_, first) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    let res = send(
        &api,
        with_token(Method::POST, "/api/tokens", &first).set_json(json!({})),
    )
    .await;
    let second = res.json["token"].as_str().unwrap().to_owned();
    assert_eq!(res.json["name"], "api", "the default name");

    let tokens = [first, second];
    let cells = tmp.db().blocking(|conn| {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut cells = Vec::new();
        for table in tables {
            let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
            let columns = statement.column_count();
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                for column in 0..columns {
                    let text = match row.get_ref(column)? {
                        rusqlite::types::ValueRef::Text(text) => {
                            String::from_utf8_lossy(text).into_owned()
                        }
                        rusqlite::types::ValueRef::Blob(blob) => {
                            String::from_utf8_lossy(blob).into_owned()
                        }
                        _ => continue,
                    };
                    cells.push(text);
                }
            }
        }
        Ok(cells)
    });
    let cells = cells.unwrap();
    for token in &tokens {
        let digits = token.trim_start_matches("lr_");
        assert!(
            !cells.iter().any(|cell| cell.contains(digits)),
            "the token's text is in the database"
        );
        let hash = api::token::Token::parse(token).unwrap().hash();
        assert!(
            cells.iter().any(|cell| cell == hash.as_str()),
            "its hash is"
        );
    }
}

#[actix_web::test]
async fn the_token_of_a_deleted_user_is_a_401() {
    let tmp = TempDb::new("api", "deleted");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let (_, token) = token_for(&api, "notch", NOTCH_PASSWORD).await;
    assert_eq!(
        send(&api, with_token(Method::GET, "/api/me", &token))
            .await
            .status,
        StatusCode::OK
    );
    tmp.db()
        .blocking(|conn| {
            conn.execute("DELETE FROM users WHERE username = 'notch'", [])?;
            Ok(())
        })
        .unwrap();
    let res = send(&api, with_token(Method::GET, "/api/me", &token)).await;
    res.assert_json_error(StatusCode::UNAUTHORIZED, "login required");
}

#[actix_web::test]
async fn login_refuses_alike_throttles_and_answers_json() {
    let tmp = TempDb::new("api", "login");
    let api = test::init_service(api::api(setup(&tmp).await)).await;
    let wrong = login(&api, "notch", "not the password").await;
    wrong.assert_json_error(StatusCode::UNAUTHORIZED, "wrong username or password");
    let unknown = login(&api, "nobody", "not the password").await;
    assert_eq!(unknown.json, wrong.json, "an unknown name reads the same");

    // Bodies that are not the JSON the route takes: 400, as JSON.
    let req = TestRequest::post()
        .uri("/api/login")
        .set_json(json!({ "username": "notch" }));
    let res = send(&api, req).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.error().contains("password"), "{res:?}");
    let req = TestRequest::post()
        .uri("/api/login")
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("username=notch&password=x");
    let res = send(&api, req).await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "a form post is refused"
    );
    assert!(res.json["error"].is_string());
    let body = json!({ "username": "notch", "password": NOTCH_PASSWORD, "name": "x".repeat(65) });
    let res = send(&api, TestRequest::post().uri("/api/login").set_json(body)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");

    // Failures for one account end in a 429 with `Retry-After`, even for the right password.
    let mut refused = None;
    for _ in 0..20 {
        let res = login(&api, "notch", "still not the password").await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let refused = refused.expect("the throttle refuses");
    assert_eq!(refused.error(), "too many login attempts");
    let wait = refused.retry_after.as_deref().expect("Retry-After");
    assert_eq!(refused.json["retry_after"].to_string(), wait);
    let res = login(&api, "notch", NOTCH_PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.json.get("token").is_none());
}

/// A browser logged in to the app sends the app's cookies to the API too (same host); they
/// log nothing in there.
#[actix_web::test]
async fn an_app_session_cookie_is_no_api_login() {
    let tmp = TempDb::new("api", "cookie");
    let api_state = setup(&tmp).await;
    let app_state = AppState::start(tmp.config()).await.unwrap().state;
    let site = test::init_service(app::app(app_state)).await;
    let form = test::call_service(&site, TestRequest::get().uri("/login").to_request()).await;
    let mut cookies: Vec<String> = form
        .response()
        .cookies()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    let page = String::from_utf8(test::read_body(form).await.to_vec()).unwrap();
    let field = r#"name="csrf_token" value=""#;
    let start = page.find(field).expect("a CSRF field") + field.len();
    let csrf = &page[start..start + 32];
    let req = TestRequest::post()
        .uri("/login")
        .insert_header((header::COOKIE, cookies.join("; ")))
        .set_form([
            ("csrf_token", csrf),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("remember", "on"),
        ]);
    let res = test::call_service(&site, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the app login works");
    cookies.extend(
        res.response()
            .cookies()
            .map(|c| format!("{}={}", c.name(), c.value())),
    );
    assert!(cookies.iter().any(|c| c.starts_with("id=")), "{cookies:?}");

    let api = test::init_service(api::api(api_state)).await;
    let req = TestRequest::get()
        .uri("/api/me")
        .insert_header((header::COOKIE, cookies.join("; ")));
    let res = send(&api, req).await;
    res.assert_json_error(StatusCode::UNAUTHORIZED, "login required");
    assert!(!res.sets_cookie);
}
