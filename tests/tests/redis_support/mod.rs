//! What the Redis test files share: the server address, a Redis of the test's own that it can
//! pause, freeze, stop and restart, unique key prefixes, and a browser that also reads the
//! `503`s the session middleware returns as errors.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{TestRequest, read_body, try_call_service};

/// The shared Redis CI starts, or `None` (with a message saying how to run these tests).
pub fn redis_url() -> Option<String> {
    match std::env::var("LOGIN_RUNTIME_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!(
                "SKIPPED: LOGIN_RUNTIME_REDIS_URL is not set. Start a Redis (redis-server --port \
                 6391) and set LOGIN_RUNTIME_REDIS_URL=redis://127.0.0.1:6391; .ci/run does both"
            );
            None
        }
    }
}

/// A key prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "login-runtime-test:{test}:{}:{nanos}:{}:",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A `redis-server` of the test's own, on a free loopback port, without persistence: the test
/// may pause, freeze, stop and restart it without disturbing other tests.
pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let mut redis = Self { port, child: None };
        redis.spawn().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (empty) and waits until it answers.
    pub async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        self.child = Some(child);
        self.wait_ready().await;
    }

    /// Kills the server: its data is gone, connections are reset.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the process: connections stay open, nothing is
    /// answered meanwhile, the data is kept.
    pub fn freeze(&self, frozen: bool) {
        if let Some(child) = &self.child {
            let signal = if frozen { "-STOP" } else { "-CONT" };
            let status = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success(), "kill {signal} failed");
        }
    }

    /// One inline command, answered within a second; the first line of the reply.
    pub fn command(&self, command: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(format!("{command}\r\n").as_bytes())?;
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf[..n]).trim_end().to_owned())
    }

    pub async fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.command("PING").is_ok_and(|reply| reply == "+PONG") {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "redis-server on port {} did not answer PING within 10 s",
            self.port
        );
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.freeze(false);
        self.kill();
    }
}

/// A response as a browser sees it; `status` 0: no answer within the client's 10 s.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub elapsed: Duration,
}

/// A cookie jar that sends requests to an in-process app. Unlike the fixture client it reads
/// errors a middleware returns (actix-session's `500`, `FailClosed`'s `503`) as the server
/// would send them, instead of panicking.
#[derive(Debug, Default, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub async fn get<S, B>(&mut self, app: &S, path: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut req = TestRequest::get().uri(path);
        for (name, value) in &self.cookies {
            req = req.cookie(Cookie::new(name.clone(), value.clone()));
        }
        let started = Instant::now();
        let call = try_call_service(app, req.to_request());
        let Ok(result) = actix_rt::time::timeout(Duration::from_secs(10), call).await else {
            return Answer {
                status: 0,
                body: String::new(),
                elapsed: started.elapsed(),
            };
        };
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let set_cookies: Vec<String> = response
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .filter_map(|value| value.to_str().ok().map(str::to_owned))
                    .collect();
                let body = read_body(response).await;
                for value in set_cookies {
                    let Ok(cookie) = Cookie::parse_encoded(value) else {
                        continue;
                    };
                    let removed = cookie.max_age().is_some_and(|age| age.is_zero())
                        || cookie.value().is_empty();
                    if removed {
                        self.cookies.remove(cookie.name());
                    } else {
                        self.cookies
                            .insert(cookie.name().to_owned(), cookie.value().to_owned());
                    }
                }
                Answer {
                    status,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    elapsed: started.elapsed(),
                }
            }
            // What the server would send for an error a middleware returned; no cookies.
            Err(err) => Answer {
                status: err.error_response().status().as_u16(),
                body: String::new(),
                elapsed: started.elapsed(),
            },
        }
    }
}
