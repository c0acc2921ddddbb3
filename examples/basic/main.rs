//! The `basic` demo app: Flask-Login's quickstart on actix-web.
//!
//! Run it with `cargo run -p login-runtime-examples --example basic` and open
//! <http://127.0.0.1:8080>. The app itself lives in `login_runtime_examples::basic`.
//! `DEMO_PORT` picks another port (the browser test uses it); it always listens on loopback.

use std::io;

use actix_web::HttpServer;
use actix_web::cookie::Key;
use login_runtime_examples::basic::{self, ADDRESS, AppState, DEMO_USERS};
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    // Demo only: a fresh random key at every start, so a restart logs everyone out. In
    // production load a fixed 64-byte secret (`Key::from(&bytes)`) from your secret store, the
    // same on every instance.
    let key = Key::generate();
    let state = AppState::new(key).map_err(io::Error::other)?;

    let address = match std::env::var("DEMO_PORT") {
        Ok(port) => {
            let port: u16 = port.parse().map_err(|_| {
                io::Error::other(format!("DEMO_PORT={port:?} is not a port number"))
            })?;
            format!("127.0.0.1:{port}")
        }
        Err(_) => ADDRESS.to_owned(),
    };
    let server = HttpServer::new(move || basic::app(state.clone())).bind(&address)?;
    println!("basic demo listening on http://{address}");
    println!("demo users (username / password):");
    for user in DEMO_USERS {
        println!("  {} / {}", user.username, user.password);
    }
    server.run().await
}
