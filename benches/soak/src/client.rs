//! The clients: a minimal HTTP/1.1 client with a cookie jar, and the mixed loop each runs.

use std::collections::BTreeMap;
use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::stats::{Outcome, Recorder};

/// One response.
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// A keep-alive connection and a cookie jar: one browser.
pub struct Browser {
    port: u16,
    conn: Option<BufReader<TcpStream>>,
    cookies: BTreeMap<String, String>,
    timeout: Duration,
}

impl Browser {
    pub fn new(port: u16, timeout: Duration) -> Self {
        Self {
            port,
            conn: None,
            cookies: BTreeMap::new(),
            timeout,
        }
    }

    /// `GET path`; `Err` for a connection failure, `Ok(None)` when no answer came in time.
    pub async fn get(&mut self, path: &str) -> io::Result<Option<Response>> {
        match tokio::time::timeout(self.timeout, self.exchange(path)).await {
            Ok(Ok(response)) => Ok(Some(response)),
            Ok(Err(err)) => {
                self.conn = None;
                Err(err)
            }
            Err(_) => {
                // The request may still be in the server: this connection is unusable.
                self.conn = None;
                Ok(None)
            }
        }
    }

    async fn exchange(&mut self, path: &str) -> io::Result<Response> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
                stream.set_nodelay(true)?;
                self.conn.insert(BufReader::new(stream))
            }
        };
        let cookie = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if !cookie.is_empty() {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        request.push_str("\r\n");
        conn.get_mut().write_all(request.as_bytes()).await?;

        let mut line = String::new();
        conn.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|status| status.parse::<u16>().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        let mut cookies = Vec::new();
        let mut chunked = false;
        let mut close = false;
        loop {
            line.clear();
            if conn.read_line(&mut line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().map_err(io::Error::other)?,
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "set-cookie" => cookies.push(value.to_owned()),
                _ => {}
            }
        }
        let body = if chunked {
            read_chunked(conn).await?
        } else {
            let mut body = vec![0; length];
            conn.read_exact(&mut body).await?;
            body
        };
        if close {
            self.conn = None;
        }
        for cookie in cookies {
            self.set_cookie(&cookie);
        }
        Ok(Response {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn set_cookie(&mut self, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let removed =
            value.is_empty() || parts.any(|attr| attr.trim().eq_ignore_ascii_case("max-age=0"));
        if removed {
            self.cookies.remove(name.trim());
        } else {
            self.cookies
                .insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
}

async fn read_chunked(conn: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let size = usize::from_str_radix(line.trim(), 16).map_err(io::Error::other)?;
        let mut chunk = vec![0; size + 2];
        conn.read_exact(&mut chunk).await?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// What a client expects of a request.
#[derive(Clone, Copy)]
enum Step {
    Login,
    Read,
    Logout,
    AfterLogout,
}

/// One client's loop until `deadline`: log in as `user{id}` → `reads` protected GETs, each
/// checking the greeting names this user → log out → one GET that must be refused.
pub async fn run(
    id: u64,
    port: u16,
    reads: usize,
    client_timeout: Duration,
    deadline: Instant,
    recorder: Recorder,
) {
    let mut browser = Browser::new(port, client_timeout);
    let me = format!("hello user{id}");
    let login = format!("/login/{id}");
    let mut client = Client {
        browser: &mut browser,
        recorder: &recorder,
        me: &me,
        deadline,
    };
    while Instant::now() < deadline {
        // Log in; on failure start over (the client does not know whether it is logged in).
        if !client.request(Step::Login, &login).await {
            continue;
        }
        for _ in 0..reads {
            client.request(Step::Read, "/me").await;
        }
        if client.request(Step::Logout, "/logout").await {
            client.request(Step::AfterLogout, "/me").await;
        }
    }
}

struct Client<'a> {
    browser: &'a mut Browser,
    recorder: &'a Recorder,
    me: &'a str,
    deadline: Instant,
}

impl Client<'_> {
    /// Sends one request (none past the deadline) and records its outcome under the phase it
    /// started in; `true` when it did what the step wanted.
    async fn request(&mut self, step: Step, path: &str) -> bool {
        if Instant::now() >= self.deadline {
            return false;
        }
        let phase = self.recorder.current_phase();
        let started = Instant::now();
        let result = self.browser.get(path).await;
        let elapsed = started.elapsed();
        let outcome = match result {
            Err(_) => Outcome::ConnectionError,
            Ok(None) => Outcome::ClientTimeout,
            Ok(Some(response)) => classify(step, &response, self.me),
        };
        self.recorder.record(&phase, started, elapsed, outcome);
        matches!(
            outcome,
            Outcome::Login | Outcome::Read | Outcome::Logout | Outcome::RefusedAfterLogout
        )
    }
}

fn classify(step: Step, response: &Response, me: &str) -> Outcome {
    match (step, response.status) {
        (Step::Login, 200) => Outcome::Login,
        (Step::Logout, 200) => Outcome::Logout,
        (Step::Read, 200) if response.body == me => Outcome::Read,
        (Step::Read | Step::AfterLogout, 200) if response.body.starts_with("hello ") => {
            if response.body == me {
                Outcome::StillLoggedIn
            } else {
                Outcome::Mismatch
            }
        }
        (Step::Read, 401) => Outcome::LoggedOut,
        (Step::AfterLogout, 401) => Outcome::RefusedAfterLogout,
        (_, 503) => Outcome::Unavailable,
        (_, 500) => Outcome::ServerError,
        (_, status) => Outcome::OtherStatus(status),
    }
}
