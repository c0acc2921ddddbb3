//! The `app` example: a complete site on login-runtime, its accounts in SQLite.
//!
//! `cargo run -p login-runtime-examples --example app` serves it on <http://127.0.0.1:8080>;
//! `-- --help` lists the environment variables that configure it. The app itself lives in
//! `login_runtime_examples::app`.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use actix_web::HttpServer;
use login_runtime_examples::app::config::{self, Command, Config};
use login_runtime_examples::app::{self, AppState, Startup};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // `--help` before anything else: it needs no configuration and starts nothing.
    match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{}", config::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve) => {}
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_env() {
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

async fn serve(config: Config) -> io::Result<()> {
    let addr = config.addr.clone();
    if !config.cookie_secure && !is_loopback(&addr) {
        tracing::warn!(
            "listening on {addr}, beyond this machine, with cookies that also travel over plain \
             HTTP: serve it over HTTPS and set APP_COOKIE_SECURE=true"
        );
    }
    tracing::info!(
        database = %config.db_path.display(),
        sessions = if config.redis_url.is_some() { "redis" } else { "cookie" },
        "starting"
    );
    let Startup {
        state,
        key_source,
        admin,
    } = AppState::start(config).await.map_err(io::Error::other)?;
    tracing::info!("using {key_source}");
    let server = HttpServer::new(move || app::app(state.clone())).bind(&addr)?;
    let mut out = io::stdout().lock();
    writeln!(out, "app listening on http://{addr}")?;
    if let Some(admin) = admin {
        match admin.generated_password {
            // Printed once, now, on the terminal (not into the log): it is stored only hashed.
            Some(password) => writeln!(
                out,
                "created the admin account {:?} with the password {password}\n  \
                 (shown only this once; set APP_ADMIN_PASSWORD before the first start to choose it)",
                admin.username
            )?,
            None => writeln!(
                out,
                "created the admin account {:?} with the password from APP_ADMIN_PASSWORD",
                admin.username
            )?,
        }
    }
    drop(out);
    server.run().await
}

/// Whether `addr` is a loopback socket address (`127.0.0.1:8080`, `[::1]:8080`, `localhost:..`).
fn is_loopback(addr: &str) -> bool {
    match addr.parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => addr.starts_with("localhost:"),
    }
}
