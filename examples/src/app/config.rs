//! The app's configuration: environment variables, read once at startup, and `--help`.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::cookie::Key;
use login_runtime::ThrottlePolicy;
use login_runtime::password::Params;

use super::secret::{self, SecretError};

/// What `--help` prints.
pub const HELP: &str = "\
login-runtime example app: accounts in SQLite, remember-me, roles, fresh logins, throttling.

USAGE:
    cargo run -p login-runtime-examples --example app [-- --help]

Configured by environment variables (all optional):

    APP_ADDR            where to listen (default 127.0.0.1:8080)
    APP_DB              the SQLite file, created with its directory if missing
                        (default ./data/app.sqlite3)
    APP_SECRET_KEY      the key that signs and encrypts the cookies: hex or base64 of at
                        least 64 random bytes (`openssl rand -hex 64`). Without it, a key is
                        generated on the first start and kept in `secret_key` beside the
                        database (mode 0600), so logins survive restarts. Give every
                        instance the same value.
    APP_ADMIN_USER      the admin account created when no account holds the admin role
                        (default admin)
    APP_ADMIN_PASSWORD  its password; without it a random one is generated and printed
                        once, at that start. Only read when the account is created.
    APP_COOKIE_SECURE   `true` when browsers reach the app over HTTPS (directly or through
                        a proxy): cookies are then sent over HTTPS only (default false, for
                        plain HTTP on localhost)
    APP_TRUSTED_PROXIES comma-separated addresses of reverse proxies whose X-Forwarded-For
                        names the client (for session protection and login throttling)
    REDIS_URL           e.g. redis://127.0.0.1:6379: sessions, logouts and login throttling
                        live in Redis, so several instances sharing APP_SECRET_KEY,
                        REDIS_URL and APP_DB share one login. Without it they live in the
                        cookie and in this process.
    RUST_LOG            log filter (default info)
";

/// Everything the app is configured with.
#[derive(Clone)]
pub struct Config {
    /// `APP_ADDR`: where the binary listens.
    pub addr: String,
    /// `APP_DB`: the SQLite file.
    pub db_path: PathBuf,
    /// `APP_SECRET_KEY`; `None`: the key file beside the database (generated if missing).
    pub secret_key: Option<Key>,
    /// `REDIS_URL`; `None`: cookie sessions and in-process stores.
    pub redis_url: Option<String>,
    /// `APP_ADMIN_USER`.
    pub admin_username: String,
    /// `APP_ADMIN_PASSWORD`; `None`: generated when the admin account is created.
    pub admin_password: Option<String>,
    /// `APP_COOKIE_SECURE`.
    pub cookie_secure: bool,
    /// `APP_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long an unused login lasts (Flask-Login's classic recipe: five minutes); after it,
    /// the remember cookie restores a non-fresh login. Not an environment variable: tests
    /// shorten it.
    pub idle_timeout: Duration,
    /// The argon2 cost. The OWASP parameters; tests lower them to stay fast.
    pub password_params: Params,
    /// The login throttle's limits.
    pub throttle: ThrottlePolicy,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key, the admin password and the Redis URL (it may carry one) stay out of logs.
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("db_path", &self.db_path)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field("admin_username", &self.admin_username)
            .field("cookie_secure", &self.cookie_secure)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Where the binary listens without `APP_ADDR`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The database without `APP_DB`.
pub const DEFAULT_DB: &str = "data/app.sqlite3";
/// The admin account's name without `APP_ADMIN_USER`.
pub const DEFAULT_ADMIN: &str = "admin";
/// Flask-Login's classic idle timeout.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

impl Config {
    /// The defaults, with the database at `db_path`: no `APP_SECRET_KEY` (the key file), no
    /// Redis, a generated admin password.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            addr: DEFAULT_ADDR.to_owned(),
            db_path: db_path.into(),
            secret_key: None,
            redis_url: None,
            admin_username: DEFAULT_ADMIN.to_owned(),
            admin_password: None,
            cookie_secure: false,
            trusted_proxies: Vec::new(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            password_params: Params::DEFAULT,
            throttle: ThrottlePolicy::default(),
        }
    }

    /// The configuration the environment describes.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The configuration `var` describes (the environment, or a map in tests). An empty value
    /// counts as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let mut config = Self::new(var("APP_DB").unwrap_or_else(|| DEFAULT_DB.to_owned()));
        if let Some(addr) = var("APP_ADDR") {
            config.addr = addr;
        }
        if let Some(key) = var("APP_SECRET_KEY") {
            config.secret_key = Some(secret::parse_key(&key).map_err(ConfigError::SecretKey)?);
        }
        config.redis_url = var("REDIS_URL");
        if let Some(admin) = var("APP_ADMIN_USER") {
            config.admin_username = admin;
        }
        config.admin_password = var("APP_ADMIN_PASSWORD");
        if let Some(secure) = var("APP_COOKIE_SECURE") {
            config.cookie_secure = match secure.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => return Err(ConfigError::Invalid("APP_COOKIE_SECURE", secure)),
            };
        }
        if let Some(proxies) = var("APP_TRUSTED_PROXIES") {
            config.trusted_proxies = proxies
                .split(',')
                .map(str::trim)
                .filter(|proxy| !proxy.is_empty())
                .map(|proxy| {
                    proxy
                        .parse()
                        .map_err(|_| ConfigError::Invalid("APP_TRUSTED_PROXIES", proxy.to_owned()))
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(config)
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Serve the app.
    Serve,
    /// Print [`HELP`] and exit.
    Help,
}

/// Reads the arguments after the program name: `--help` / `-h`, or nothing.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, ConfigError> {
    let mut command = Command::Serve;
    for arg in args {
        match arg.as_str() {
            "--help" | "-h" => command = Command::Help,
            _ => return Err(ConfigError::Argument(arg)),
        }
    }
    Ok(command)
}

/// The configuration cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// `APP_SECRET_KEY` is not a usable key.
    SecretKey(SecretError),
    /// A variable's value cannot be read.
    Invalid(&'static str, String),
    /// An unknown command-line argument.
    Argument(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SecretKey(err) => write!(f, "APP_SECRET_KEY: {err}"),
            Self::Invalid(name, value) => write!(f, "{name}: cannot read {value:?}"),
            Self::Argument(arg) => write!(f, "unknown argument {arg:?}; try --help"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::SecretKey(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_and_overrides() {
        let config = from(&[]).unwrap();
        assert_eq!(config.addr, DEFAULT_ADDR);
        assert_eq!(config.db_path, PathBuf::from(DEFAULT_DB));
        assert!(config.secret_key.is_none() && config.redis_url.is_none());
        assert!(!config.cookie_secure);

        let key = "ab".repeat(64);
        let config = from(&[
            ("APP_ADDR", "0.0.0.0:9000"),
            ("APP_DB", "/tmp/x.sqlite3"),
            ("APP_SECRET_KEY", &key),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("APP_COOKIE_SECURE", "true"),
            ("APP_TRUSTED_PROXIES", "10.0.0.1, ::1"),
            ("APP_ADMIN_PASSWORD", ""),
        ])
        .unwrap();
        assert_eq!(config.addr, "0.0.0.0:9000");
        assert!(config.secret_key.is_some() && config.cookie_secure);
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(config.admin_password, None, "empty is unset");
        let debug = format!("{config:?}");
        assert!(
            !debug.contains(&key) && !debug.contains("redis://"),
            "{debug}"
        );
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let err = from(&[("APP_SECRET_KEY", "abcd")]).err().unwrap();
        assert!(err.to_string().starts_with("APP_SECRET_KEY"), "{err}");
        let err = from(&[("APP_COOKIE_SECURE", "maybe")]).err().unwrap();
        assert!(err.to_string().starts_with("APP_COOKIE_SECURE"), "{err}");
        let err = from(&[("APP_TRUSTED_PROXIES", "10.0.0.1,proxy")])
            .err()
            .unwrap();
        assert!(err.to_string().contains("\"proxy\""), "{err}");
    }

    #[test]
    fn the_only_argument_is_help() {
        let args = |list: &[&str]| parse_args(list.iter().map(|arg| (*arg).to_owned()));
        assert_eq!(args(&[]).unwrap(), Command::Serve);
        assert_eq!(args(&["--help"]).unwrap(), Command::Help);
        assert_eq!(args(&["-h"]).unwrap(), Command::Help);
        assert!(args(&["--port", "1"]).is_err());
    }
}
