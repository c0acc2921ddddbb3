//! A test client that carries cookies between requests like a browser.

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};

/// A response, read fully.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// A header as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| Cookie::parse_encoded(value.to_owned()).ok())
            .collect()
    }
}

/// Sends requests to an in-process app and keeps the cookies it sets.
pub struct Client<S> {
    app: S,
    /// The cookie jar: name → value.
    pub cookies: BTreeMap<String, String>,
}

impl<S, B> Client<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// A client holding these cookies and no others: a thief replaying copies, say.
    pub fn with_cookies(app: S, cookies: &[(&str, &str)]) -> Self {
        let mut client = Self::new(app);
        for (name, value) in cookies {
            client
                .cookies
                .insert((*name).to_owned(), (*value).to_owned());
        }
        client
    }

    /// A client for an app made with `actix_web::test::init_service`.
    pub fn new(app: S) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    /// The app, for a second client (another browser) on the same server.
    pub fn into_app(self) -> S {
        self.app
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(TestRequest::get().uri(path)).await
    }

    /// Sends `req` with the jar's cookies and stores the cookies of the response.
    pub async fn send(&mut self, mut req: TestRequest) -> Reply {
        for (name, value) in &self.cookies {
            req = req.cookie(Cookie::new(name.clone(), value.clone()));
        }
        self.call(req.to_request()).await
    }

    /// Sends a request built by hand (say, with a test-kit login attached), adding the jar's
    /// cookies.
    pub async fn send_request(&mut self, mut req: actix_http::Request) -> Reply {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| {
                Cookie::new(name.as_str(), value.as_str())
                    .encoded()
                    .to_string()
            })
            .collect();
        if !jar.is_empty()
            && let Ok(value) = header::HeaderValue::from_str(&jar.join("; "))
        {
            req.headers_mut().insert(header::COOKIE, value);
        }
        self.call(req).await
    }

    async fn call(&mut self, req: actix_http::Request) -> Reply {
        let response = test::call_service(&self.app, req).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        let reply = Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        for cookie in reply.set_cookies() {
            let removed =
                cookie.max_age().is_some_and(|age| age.is_zero()) || cookie.value().is_empty();
            if removed {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
        reply
    }

    /// Sends a request with the given method to `path`.
    pub async fn request(&mut self, method: Method, path: &str) -> Reply {
        self.send(TestRequest::default().method(method).uri(path))
            .await
    }
}
