//! The SQLite database: opening it, its migrations, and every query the app makes.
//!
//! # One connection behind a mutex
//!
//! rusqlite is blocking, so every query runs on actix's blocking thread pool
//! ([`Db::run`], `web::block`), never on an async worker. The app keeps **one** connection
//! behind a `Mutex` rather than a pool: SQLite writes one transaction at a time whatever the
//! number of connections, the queries here take microseconds (a primary-key lookup for the
//! user loader, a unique-index lookup for a login), and the slow part of a login, argon2, runs
//! outside the lock. A pool (r2d2) would buy parallel reads for another dependency. The lock
//! is taken inside the blocking closure and released before it returns, so it is never held
//! across an `.await`.
//!
//! # Migrations
//!
//! [`MIGRATIONS`] lists the schema changes in order; `PRAGMA user_version` records how many
//! the file has seen. Opening the database applies the missing ones, each in its own
//! `BEGIN IMMEDIATE` transaction, so two instances starting on one file at once apply each
//! exactly once. Add a change by appending to the list; never edit one that has shipped.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

use super::users::{Role, User};

/// The schema, one entry per version.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts and their roles.
    "CREATE TABLE users (
         id INTEGER PRIMARY KEY,
         -- NOCASE: `Notch` and `notch` are one account (usernames are ASCII, see users.rs).
         username TEXT NOT NULL UNIQUE COLLATE NOCASE,
         password_hash TEXT NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE user_roles (
         user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
         role TEXT NOT NULL,
         PRIMARY KEY (user_id, role)
     );",
    // 2: the `api` example's bearer tokens (examples/src/api): only their SHA-256, never the
    // token; a revoked token keeps its row (`revoked_at` set), so its hash is never reused.
    "CREATE TABLE api_tokens (
         id INTEGER PRIMARY KEY,
         user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
         token_hash TEXT NOT NULL UNIQUE,
         name TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         last_used_at INTEGER,
         revoked_at INTEGER
     );
     CREATE INDEX api_tokens_user ON api_tokens(user_id);",
];

/// The database. Cheap to clone (one shared connection); share it as `web::Data<Db>`.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating it and its directory if missing) the database at `path` and applies the
    /// pending migrations. Blocking: call it before the server starts.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| DbError::CreateDir(dir.into(), err))?;
        }
        let mut conn = Connection::open(path)?;
        // Another instance on the same file may hold the write lock for a moment.
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL: readers do not wait for the writer, and a crash never loses a committed row.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "normal")?;
        conn.pragma_update(None, "foreign_keys", "on")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `query` on the connection, on the calling thread (startup and tests).
    pub fn blocking<T>(
        &self,
        query: impl FnOnce(&mut Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        // A panic in another query leaves SQLite itself consistent (its transaction is rolled
        // back when the statement is dropped), so a poisoned lock is still a good connection.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        query(&mut conn)
    }

    /// Runs `query` on actix's blocking thread pool, holding the connection only there.
    pub async fn run<T: Send + 'static>(
        &self,
        query: impl FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let db = self.clone();
        web::block(move || db.blocking(query)).await?
    }
}

/// Applies the migrations the file has not seen.
fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if current > known {
            return Err(DbError::TooNew {
                found: current,
                known,
            });
        }
        if current >= version {
            continue; // applied before (or by another instance a moment ago)
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!("database migrated to version {version}");
    }
    Ok(())
}

/// The user row and roles selected by `filter` (one `?` parameter).
fn select_user(
    conn: &Connection,
    filter: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Option<User>, DbError> {
    let sql = format!(
        "SELECT u.id, u.username, u.password_hash, group_concat(r.role, ',')
         FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
         WHERE {filter} GROUP BY u.id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let row = statement
        .query_row([param], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    Ok(row.map(|(id, username, password_hash, roles)| User {
        id,
        username,
        roles: parse_roles(id, roles.as_deref().unwrap_or_default()),
        password_hash,
    }))
}

/// Role names as stored; one this build does not know grants nothing (and is logged).
fn parse_roles(user: i64, names: &str) -> Vec<Role> {
    names
        .split(',')
        .filter(|name| !name.is_empty())
        .filter_map(|name| {
            let role = Role::from_db(name);
            if role.is_none() {
                tracing::warn!(user, "ignoring the unknown role {name:?}");
            }
            role
        })
        .collect()
}

/// The user with this id.
pub fn user_by_id(conn: &mut Connection, id: i64) -> Result<Option<User>, DbError> {
    select_user(conn, "u.id = ?1", &id)
}

/// The user with this username, matched case-insensitively.
pub fn user_by_name(conn: &mut Connection, username: &str) -> Result<Option<User>, DbError> {
    select_user(conn, "u.username = ?1", &username)
}

/// Why an account could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsernameTaken;

/// Creates an account with `roles`. `Ok(Err(UsernameTaken))` when the name is in use, in any
/// case.
pub fn create_user(
    conn: &mut Connection,
    username: &str,
    password_hash: &str,
    roles: &[Role],
) -> Result<Result<User, UsernameTaken>, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let inserted = tx.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3)",
        params![username, password_hash, unix_now()],
    );
    match inserted {
        Err(rusqlite::Error::SqliteFailure(err, _))
            if err.code == ErrorCode::ConstraintViolation =>
        {
            return Ok(Err(UsernameTaken));
        }
        other => other?,
    };
    let id = tx.last_insert_rowid();
    for role in roles {
        tx.execute(
            "INSERT INTO user_roles (user_id, role) VALUES (?1, ?2)",
            params![id, role.as_db()],
        )?;
    }
    tx.commit()?;
    Ok(Ok(User {
        id,
        username: username.to_owned(),
        roles: roles.to_vec(),
        password_hash: password_hash.to_owned(),
    }))
}

/// Replaces a user's password hash.
pub fn set_password_hash(
    conn: &mut Connection,
    id: i64,
    password_hash: &str,
) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![password_hash, id],
    )?;
    Ok(())
}

/// Whether any account holds `role`.
pub fn role_exists(conn: &mut Connection, role: Role) -> Result<bool, DbError> {
    let found = conn
        .query_row(
            "SELECT 1 FROM user_roles WHERE role = ?1 LIMIT 1",
            [role.as_db()],
            |_| Ok(()),
        )
        .optional()?;
    Ok(found.is_some())
}

/// One line of the admin page's account list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountRow {
    /// The row id.
    pub id: i64,
    /// The username.
    pub username: String,
    /// The roles, by their stored names.
    pub roles: Vec<String>,
    /// When the account was made, in Unix seconds.
    pub created_at: i64,
}

/// Every account, oldest first, at most `limit`.
pub fn accounts(conn: &mut Connection, limit: u32) -> Result<Vec<AccountRow>, DbError> {
    let mut statement = conn.prepare_cached(
        "SELECT u.id, u.username, u.created_at, group_concat(r.role, ',')
         FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
         GROUP BY u.id ORDER BY u.id LIMIT ?1",
    )?;
    let rows = statement.query_map([limit], |row| {
        let roles: Option<String> = row.get(3)?;
        Ok(AccountRow {
            id: row.get(0)?,
            username: row.get(1)?,
            created_at: row.get(2)?,
            roles: roles
                .unwrap_or_default()
                .split(',')
                .filter(|role| !role.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Now, in Unix seconds (the `created_at` columns).
pub fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// A query failed. As a handler's error it is an opaque `500`; the cause is logged.
#[derive(Debug)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite refused.
    Sqlite(rusqlite::Error),
    /// The database's directory could not be created.
    CreateDir(std::path::PathBuf, std::io::Error),
    /// The file was migrated by a newer build of the app.
    TooNew {
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The blocking thread pool did not run the query (the server is shutting down).
    Blocking(BlockingError),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(err) => write!(f, "database error: {err}"),
            Self::CreateDir(dir, err) => {
                write!(
                    f,
                    "cannot create the database directory {}: {err}",
                    dir.display()
                )
            }
            Self::TooNew { found, known } => write!(
                f,
                "the database is at schema version {found}, newer than this build's {known}: \
                 run the newer build, or restore a backup"
            ),
            Self::Blocking(err) => write!(f, "the database query did not run: {err}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(err) => Some(err),
            Self::CreateDir(_, err) => Some(err),
            Self::TooNew { .. } => None,
            Self::Blocking(err) => Some(err),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sqlite(err)
    }
}

impl From<BlockingError> for DbError {
    fn from(err: BlockingError) -> Self {
        Self::Blocking(err)
    }
}

impl ResponseError for DbError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        // Logged here, where the response is made: the page says nothing of the cause.
        tracing::error!("{self}; answering 500");
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body("internal server error")
    }
}
