//! The `api` example: a JSON API with bearer tokens on the `app` example's accounts.
//!
//! `cargo run -p login-runtime-examples --example api` serves it on <http://127.0.0.1:8081>;
//! `-- --help` lists the routes, how to get a first token, and the environment variables. The
//! API itself lives in `login_runtime_examples::api`.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use actix_web::HttpServer;
use login_runtime_examples::api::{self, ApiConfig, ApiState, config::HELP};
use login_runtime_examples::app::config::{self, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // `--help` before anything else: it needs no configuration and starts nothing.
    match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve) => {}
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    }
    // Without `RUST_LOG`: the library's own event log stays at warnings, since it would log
    // `loaded_from_request` at info on every API call; the API's listener logs the events
    // worth an info line (refusals) itself.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,login_runtime::events=warn")),
        )
        .init();
    let config = match ApiConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match actix_web::rt::System::new().block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: ApiConfig) -> io::Result<()> {
    let addr = config.addr.clone();
    if !is_loopback(&addr) {
        tracing::warn!(
            "listening on {addr}, beyond this machine: serve the API over HTTPS (a reverse \
             proxy), or every bearer token crosses the network in clear text"
        );
    }
    tracing::info!(database = %config.db_path.display(), "starting");
    let state = ApiState::start(&config).map_err(io::Error::other)?;
    if !state.admin_exists().map_err(io::Error::other)? {
        tracing::warn!(
            "no account holds the admin role yet: start the app example once on this database \
             (APP_DB) to create one"
        );
    }
    let server = HttpServer::new(move || api::api(state.clone())).bind(&addr)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "api listening on http://{addr} (first token: POST /api/login; see --help)"
    )?;
    drop(out);
    server.run().await
}

/// Whether `addr` is a loopback socket address (`127.0.0.1:8081`, `[::1]:8081`, `localhost:..`).
fn is_loopback(addr: &str) -> bool {
    match addr.parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => addr.starts_with("localhost:"),
    }
}
