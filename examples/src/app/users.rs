//! The user type, its roles, the anonymous "Guest", the loader, and the rules for new
//! usernames and passwords.

use std::fmt;

use actix_web::web;
use login_runtime::{AnonymousUserMixin, Permission, UserMixin, user_loader};
use serde::Serialize;

use super::db::{Db, DbError};

/// What a user may do beyond using their own account. Stored in SQLite by name
/// ([`Role::as_db`]); a name this build does not know grants nothing.
///
/// An enum rather than strings, so `#[login_required(permission = Role::Admin)]` is checked by
/// the compiler: a misspelt role does not build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    /// May open `/admin`.
    Admin,
}

impl Permission for Role {}

impl Role {
    /// The name the `user_roles` table stores.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Admin => "admin",
        }
    }

    /// The role stored under `name`, if this build knows it.
    pub fn from_db(name: &str) -> Option<Self> {
        match name {
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// Who is shown for a visitor who is not logged in: templates read `current_user.username`
/// either way, and get "Guest" for a visitor.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Guest {
    /// Always "Guest".
    pub username: &'static str,
}

impl Default for Guest {
    fn default() -> Self {
        Self { username: "Guest" }
    }
}

impl AnonymousUserMixin for Guest {}

/// A registered user, as the session restores it: the user loader reads it from SQLite on each
/// request that asks who is logged in.
#[derive(Clone, UserMixin, Serialize)]
#[user(anonymous = Guest)]
pub struct User {
    /// The `users.id` row id; what the session stores.
    pub id: i64,
    /// The login name, as registered (logins match it case-insensitively).
    pub username: String,
    /// The roles from `user_roles`; the guard checks them.
    #[user(permissions)]
    pub roles: Vec<Role>,
    /// The argon2id PHC string. As the auth hash, a new password ends every other session of
    /// the user. Never serialized into a page, never printed.
    #[user(auth_hash)]
    #[serde(skip)]
    pub(super) password_hash: String,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password hash stays out of logs.
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl User {
    /// The stored argon2id PHC string, for verifying a password outside this module (the `api`
    /// example's `/api/login`). Never show it.
    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }

    /// Whether the user holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Turns the id the session stores back into a user, from SQLite; `Ok(None)` (a deleted
/// account) makes the request anonymous, `Err` is an opaque 500 that keeps the session.
#[user_loader]
pub async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, DbError> {
    db.run(move |conn| super::db::user_by_id(conn, id)).await
}

/// The shortest password accepted at registration and on a password change (NIST SP 800-63B's
/// minimum for a password the user chose).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest username.
pub const MAX_USERNAME_CHARS: usize = 32;

/// Passwords refused whatever their length: the top of every breach list. A real app checks a
/// breach corpus (NIST asks for one); the example keeps a handful to show where.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "iloveyou",
    "11111111",
    "00000000",
    "abcdefgh",
    "letmein1",
    "sunshine",
    "football",
    "baseball",
    "welcome1",
    "admin123",
    "passw0rd",
];

/// Why a new username is refused, in the words the form shows.
pub fn username_problem(username: &str) -> Option<&'static str> {
    if username.is_empty() {
        return Some("Choose a username.");
    }
    if username.chars().count() > MAX_USERNAME_CHARS {
        return Some("A username has at most 32 characters.");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !username.chars().all(allowed) {
        return Some("A username uses only letters, digits, `_`, `-` and `.`.");
    }
    None
}

/// Why a new password is refused, in the words the form shows. Length is counted in
/// characters, so a passphrase in any script counts what the user typed.
pub fn password_problem(username: &str, password: &str) -> Option<&'static str> {
    if password.is_empty() {
        return Some("Choose a password.");
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some("The password is too short: use at least 8 characters.");
    }
    if password.len() > login_runtime::password::MAX_PASSWORD_BYTES {
        return Some("The password is too long: use at most 4096 bytes.");
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() {
        return Some("The password must not be your username.");
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some("That password is too common: choose another.");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        assert_eq!(Role::from_db(Role::Admin.as_db()), Some(Role::Admin));
        assert_eq!(Role::from_db("Admin"), None, "stored names are exact");
        assert_eq!(Role::from_db("root"), None);
    }

    #[test]
    fn new_usernames_and_passwords_are_checked() {
        assert_eq!(username_problem("notch"), None);
        assert!(username_problem("").is_some());
        assert!(username_problem("no spaces").is_some());
        assert!(username_problem("<script>").is_some());
        assert!(username_problem(&"a".repeat(33)).is_some());

        assert_eq!(password_problem("notch", "correct horse"), None);
        assert_eq!(password_problem("notch", "Passwort1"), None);
        assert!(password_problem("notch", "").is_some());
        assert!(password_problem("notch", "short").is_some());
        assert!(password_problem("notchnotch", "NotchNotch").is_some());
        assert!(password_problem("notch", "Password1").is_some());
        // Eight characters, more than eight bytes: long enough.
        assert_eq!(password_problem("notch", "ééééé ée"), None);
    }
}
