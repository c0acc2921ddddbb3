//! The `api_tokens` table (migration 2 of the app's [`MIGRATIONS`](crate::app::db::MIGRATIONS),
//! so the app and the API migrate one file alike) and the request loader that reads it.

use actix_web::{HttpRequest, web};
use login_runtime::request_loader;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::token::{Token, TokenHash, bearer_token};
use crate::app::User;
use crate::app::db::{self, Db, DbError};

/// `last_used_at` is written at most this often per token, so a busy client does not turn
/// every read into a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// The user the request's bearer token belongs to: `Ok(None)` (the caller is anonymous, the
/// API answers 401) for no token, a malformed one, an unknown or revoked one, or one whose
/// user is gone. Only a database failure is an error (an opaque 500).
///
/// Every check on the header's text happens in [`bearer_token`], before the database is
/// touched: odd input costs no query.
#[request_loader]
pub async fn from_bearer(req: HttpRequest, db: web::Data<Db>) -> Result<Option<User>, DbError> {
    let Some(token) = bearer_token(&req) else {
        return Ok(None);
    };
    let hash = token.hash();
    db.run(move |conn| user_by_token(conn, &hash)).await
}

/// The live token with this hash, its user, and `last_used_at` brought up to date.
fn user_by_token(conn: &mut Connection, hash: &TokenHash) -> Result<Option<User>, DbError> {
    let found: Option<(i64, i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, user_id, last_used_at FROM api_tokens
             WHERE token_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([hash.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((token_id, user_id, last_used)) = found else {
        return Ok(None);
    };
    // `ON DELETE CASCADE` removes a deleted user's tokens; reading the user here as well means
    // a token never outlives its account even on a file opened without foreign keys.
    let Some(user) = db::user_by_id(conn, user_id)? else {
        return Ok(None);
    };
    let now = db::unix_now();
    if last_used.is_none_or(|at| now.saturating_sub(at) >= TOUCH_EVERY_SECS) {
        conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2")?
            .execute(params![now, token_id])?;
    }
    Ok(Some(user))
}

/// A token as its owner sees it listed: never the token, never its hash.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    /// The row id, for `DELETE /api/tokens/{id}`.
    pub id: i64,
    /// What the owner called it.
    pub name: String,
    /// When it was made, in Unix seconds.
    pub created_at: i64,
    /// When it last authenticated a request (to the minute), if ever.
    pub last_used_at: Option<i64>,
}

/// The most live tokens one user may hold: a leaked token can make more tokens, but not
/// without bound.
pub const MAX_TOKENS_PER_USER: i64 = 50;

/// Why a token was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyTokens;

/// Stores `token`'s hash for `user_id` under `name`; `Ok(Err(TooManyTokens))` when the user
/// holds [`MAX_TOKENS_PER_USER`] live ones already.
pub fn create_token(
    conn: &mut Connection,
    user_id: i64,
    name: &str,
    token: &Token,
) -> Result<Result<TokenInfo, TooManyTokens>, DbError> {
    let tx = conn.transaction()?;
    let live: i64 = tx.query_row(
        "SELECT count(*) FROM api_tokens WHERE user_id = ?1 AND revoked_at IS NULL",
        [user_id],
        |row| row.get(0),
    )?;
    if live >= MAX_TOKENS_PER_USER {
        return Ok(Err(TooManyTokens));
    }
    let now = db::unix_now();
    tx.execute(
        "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, token.hash().as_str(), name, now],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(Ok(TokenInfo {
        id,
        name: name.to_owned(),
        created_at: now,
        last_used_at: None,
    }))
}

/// The user's live tokens, oldest first.
pub fn tokens_of(conn: &mut Connection, user_id: i64) -> Result<Vec<TokenInfo>, DbError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, name, created_at, last_used_at FROM api_tokens
         WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY id",
    )?;
    let rows = statement.query_map([user_id], |row| {
        Ok(TokenInfo {
            id: row.get(0)?,
            name: row.get(1)?,
            created_at: row.get(2)?,
            last_used_at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the user's live token `id`; `false` when the user has no such live token (another
/// user's token is "no such token" too: its existence is not theirs to learn).
pub fn revoke_token(conn: &mut Connection, user_id: i64, id: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE api_tokens SET revoked_at = ?1
         WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
        params![db::unix_now(), id, user_id],
    )?;
    Ok(changed == 1)
}
