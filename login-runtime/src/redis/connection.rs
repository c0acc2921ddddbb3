//! The shared Redis connection: a `redis::aio::ConnectionManager` configured so that no
//! command waits without bound and a lost connection is replaced as soon as Redis answers.
//!
//! Why not the manager's defaults (which actix-session's `RedisSessionStore` uses): with
//! redis 0.32 they set no response timeout, so a command sent to a paused or unreachable Redis
//! waits forever; and the reconnection backoff (backon's exponential with `factor = 100` and its
//! 1 s minimum) sleeps 1–2 s, then 60–120 s between attempts, during which every command waits
//! on the reconnection. That is the "hangs after a Redis restart" of issue 13; the numbers are
//! in docs/store-faults.md.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::{Client, Cmd, FromRedisValue, RedisError};

/// The default bound on each command.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// Longest sleep between two reconnection attempts of one round, should retries be configured
/// (the client library fixes the first at 1–2 s).
const RECONNECT_MAX_DELAY_MS: u64 = 500;

/// Retries per reconnection round: none. A round is one connection attempt; when it fails, the
/// commands waiting on it fail at once (a stopped Redis costs fast `503`s, not a wait for the
/// bound) and the next command starts the next round, so a Redis that is back is found by the
/// next request. Measured against 4 retries in docs/store-faults.md.
const RECONNECT_ATTEMPTS: usize = 0;

/// A connection to one Redis server, shared by [`RedisSessions`](super::RedisSessions) and
/// [`RedisRevocations`](super::RedisRevocations) (clone it; clones share the connection).
///
/// - **Bounded.** Each store call completes, successfully or not, within
///   [`timeout`](RedisConnectionBuilder::timeout) (default one second), whether Redis is slow,
///   paused, stopped or being reconnected to.
/// - **Self-healing.** A connection Redis closed (restart, failover, `CLIENT KILL`) is replaced
///   in the background; commands issued meanwhile fail within their bound (at once while Redis
///   refuses connections), and requests succeed again within a fraction of a second of Redis
///   answering (0.01–0.2 s measured, docs/store-faults.md).
///   A command whose connection dropped under it is retried once on the new connection,
///   within the same bound, so a quick restart is usually invisible.
/// - **Multiplexed.** One TCP connection carries every worker's commands, pipelined; a command
///   abandoned at its bound does not desynchronise the others (the client matches replies in
///   order and discards the abandoned one's).
///
/// A standalone Redis (or a Sentinel-managed primary's address) only: not Redis Cluster. TLS
/// (`rediss://`) works when the `redis` crate's TLS feature is on, for example through
/// actix-session's `redis-session-rustls`.
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    timeout: Duration,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RedisConnection`]; made by [`RedisConnection::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisConnectionBuilder {
    url: String,
    timeout: Duration,
}

/// The first connection to Redis could not be made (at startup).
#[derive(Debug)]
pub struct RedisConnectError {
    address: String,
    cause: String,
}

impl fmt::Display for RedisConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot connect to Redis at {}: {}",
            self.address, self.cause
        )
    }
}

impl std::error::Error for RedisConnectError {}

impl RedisConnection {
    /// Connects to `url` (`redis://[user:password@]host[:port][/db]`, `rediss://…`,
    /// `unix:///path`) with the default one-second bound on every command.
    ///
    /// Redis must answer now (one attempt, within the bound): an app that starts without its
    /// session store fails at startup rather than answering `503` to everyone. After that,
    /// outages are survived (see the type's docs).
    pub async fn connect(url: &str) -> Result<Self, RedisConnectError> {
        Self::builder(url).connect().await
    }

    /// A builder, to set the bound.
    pub fn builder(url: impl Into<String>) -> RedisConnectionBuilder {
        RedisConnectionBuilder {
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The bound on each store call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `cmd` (or a script, a pipeline: anything `query` takes) within the bound, retrying
    /// once on a fresh connection if the connection dropped under it.
    pub(crate) async fn run<T, F, Fut>(&self, query: F) -> Result<T, CommandError>
    where
        T: FromRedisValue,
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        let attempts = async {
            match query(self.manager.clone()).await {
                // The manager has begun reconnecting; the retry waits for the new connection.
                Err(err) if err.is_connection_dropped() || err.is_unrecoverable_error() => {
                    query(self.manager.clone()).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(self.timeout, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(CommandError::Redis(err)),
            Err(_) => Err(CommandError::Timeout(self.timeout)),
        }
    }

    /// Runs one command within the bound (see [`run`](Self::run)).
    pub(crate) async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, CommandError> {
        self.run(|mut conn| async move { cmd.query_async(&mut conn).await })
            .await
    }
}

impl RedisConnectionBuilder {
    /// The longest a store call waits for Redis, including a reconnection and one retry
    /// (default one second). Past it the call fails, and the request answers `503`. Keep it
    /// well under your clients' and proxies' timeouts, and above Redis's slowest normal answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Opens the connection; see [`RedisConnection::connect`].
    pub async fn connect(self) -> Result<RedisConnection, RedisConnectError> {
        let client = Client::open(self.url.as_str()).map_err(|err| RedisConnectError {
            // Never the URL itself: it may hold a password.
            address: "the configured URL".to_owned(),
            cause: err.to_string(),
        })?;
        let address = client.get_connection_info().addr.to_string();
        let tcp = TcpSettings::default()
            // Commands are small and latency-bound: no Nagle delay.
            .set_nodelay(true)
            // An idle connection to a host that vanished without a reset is found and replaced.
            .set_keepalive(
                TcpKeepalive::new()
                    .with_time(Duration::from_secs(10))
                    .with_interval(Duration::from_secs(5)),
            );
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(self.timeout)
            .set_connection_timeout(self.timeout)
            .set_max_delay(RECONNECT_MAX_DELAY_MS)
            .set_number_of_retries(RECONNECT_ATTEMPTS)
            .set_tcp_settings(tcp);
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|err| RedisConnectError {
                address,
                cause: err.to_string(),
            })?;
        Ok(RedisConnection {
            manager,
            timeout: self.timeout,
        })
    }
}

/// Why a store call failed.
#[derive(Debug)]
pub(crate) enum CommandError {
    /// No answer within the bound.
    Timeout(Duration),
    /// Redis (or the connection to it) answered with an error.
    Redis(RedisError),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(bound) => write!(f, "Redis did not answer within {bound:?}"),
            Self::Redis(err) => write!(f, "Redis failed: {err}"),
        }
    }
}

impl std::error::Error for CommandError {}
