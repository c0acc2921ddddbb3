//! The API's configuration: environment variables like the app's, and `--help`.

use std::net::IpAddr;
use std::path::PathBuf;

use login_runtime::ThrottlePolicy;
use login_runtime::password::Params;

use crate::app::config::{Config as AppConfig, ConfigError};

/// What `--help` prints.
pub const HELP: &str = "\
login-runtime API example: bearer tokens on the app example's accounts, JSON everywhere.

USAGE:
    cargo run -p login-runtime-examples --example api [-- --help]

It serves the accounts of the app example (same SQLite file, same migrations): start the app
once first, which creates the admin account and prints its password.

A FIRST TOKEN: log in with a username and password (throttled like the app's login form):

    curl -s http://127.0.0.1:8081/api/login -H 'Content-Type: application/json' \\
         -d '{\"username\": \"admin\", \"password\": \"...\", \"name\": \"laptop\"}'

The answer holds the token (`lr_` and 64 hex digits), shown this once; the database keeps
only its SHA-256. Then:

    curl -s http://127.0.0.1:8081/api/me -H 'Authorization: Bearer lr_...'

ROUTES (every answer is JSON; no token or a bad one: 401, a missing role: 403):

    POST   /api/login          {username, password, name?} -> 201 {id, name, token, ...}
    GET    /api/me             the token's user: {id, username, roles}
    GET    /api/tokens         the user's live tokens (never the tokens themselves)
    POST   /api/tokens         {name?} -> 201 a new token for the same user, shown once
    DELETE /api/tokens/{id}    revokes one of the user's tokens -> 204
    GET    /api/admin/users    every account (the admin role only)

Configured by environment variables (all optional):

    API_ADDR            where to listen (default 127.0.0.1:8081)
    APP_DB              the app's SQLite file (default ./data/app.sqlite3)
    APP_TRUSTED_PROXIES comma-separated addresses of reverse proxies whose X-Forwarded-For
                        names the client (for login throttling)
    RUST_LOG            log filter (default info)

The app's other variables are checked as the app checks them, and otherwise unused: the API
sets no cookies, so it needs no key. Serve it over HTTPS beyond localhost: a bearer token
is a password in every request.
";

/// Where the binary listens without `API_ADDR`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8081";

/// Everything the API is configured with.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `API_ADDR`: where the binary listens.
    pub addr: String,
    /// `APP_DB`: the app's SQLite file.
    pub db_path: PathBuf,
    /// `APP_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<IpAddr>,
    /// The argon2 cost of the dummy hash `/api/login` verifies an unknown name against (a
    /// stored hash carries its own). The OWASP parameters; tests lower them.
    pub password_params: Params,
    /// `/api/login`'s throttle.
    pub throttle: ThrottlePolicy,
}

impl ApiConfig {
    /// The defaults, with the database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self::from_app(AppConfig::new(db_path))
    }

    /// The configuration the environment describes.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The configuration `var` describes. The variables the app reads are read by the app's
    /// own [`AppConfig::from_vars`], so the two binaries cannot disagree about them.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr = var("API_ADDR").filter(|addr| !addr.trim().is_empty());
        let mut config = Self::from_app(AppConfig::from_vars(var)?);
        if let Some(addr) = addr {
            config.addr = addr;
        }
        Ok(config)
    }

    fn from_app(app: AppConfig) -> Self {
        Self {
            addr: DEFAULT_ADDR.to_owned(),
            db_path: app.db_path,
            trusted_proxies: app.trusted_proxies,
            password_params: app.password_params,
            throttle: app.throttle,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::app::config::DEFAULT_DB;

    fn from(vars: &[(&str, &str)]) -> Result<ApiConfig, ConfigError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        ApiConfig::from_vars(|name| vars.get(name).map(|value| (*value).to_owned()))
    }

    #[test]
    fn defaults_and_overrides() {
        let config = from(&[]).unwrap();
        assert_eq!(config.addr, DEFAULT_ADDR);
        assert_eq!(config.db_path, PathBuf::from(DEFAULT_DB));
        let config = from(&[
            ("API_ADDR", "0.0.0.0:9001"),
            ("APP_ADDR", "0.0.0.0:9000"),
            ("APP_DB", "/tmp/x.sqlite3"),
            ("APP_TRUSTED_PROXIES", "10.0.0.1"),
        ])
        .unwrap();
        assert_eq!(config.addr, "0.0.0.0:9001");
        assert_eq!(config.db_path, PathBuf::from("/tmp/x.sqlite3"));
        assert_eq!(config.trusted_proxies.len(), 1);
        assert!(from(&[("APP_TRUSTED_PROXIES", "proxy")]).is_err());
    }
}
