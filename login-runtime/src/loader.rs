//! Loading a user back from the id the session stores.

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use actix_web::HttpRequest;

use crate::UserMixin;

/// Loads a user of this type from the id stored in the session.
///
/// Implemented by [`#[user_loader]`](crate::user_loader); one loader per user type.
// Also what `login_user(&req, &name)` with a `String` reports, so the note names the user type
// in general rather than telling `{Self}` to derive anything.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no user loader",
    label = "no `#[user_loader]` returns `{Self}`",
    note = "`login_user`, `LoginManager<U>`, `CurrentUser<U>` and `Authenticated<U>` take your user type: the struct with `#[derive(login_runtime::UserMixin)]` that an `async fn load_user(id: u64, ..) -> Option<User>` marked `#[login_runtime::user_loader]` returns"
)]
pub trait UserLoader: UserMixin + Sized {
    /// Loads the user whose [`get_id`](UserMixin::get_id) is `id`.
    ///
    /// `Ok(None)` means "no such user" (the request is anonymous); `Err` is a failure of the
    /// store, answered with an opaque 500.
    fn load_user(
        req: &HttpRequest,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>, actix_web::Error>> + 'static;
}

/// Loads a user from the request alone (an API key, a bearer token), for requests that carry
/// no session. Implemented by `#[request_loader]`; enabled with `LoginManager::request_loader()`.
/// Such a user is never written to the session and is never fresh.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no request loader",
    label = "no `#[request_loader]` returns `{Self}`",
    note = "mark one `async fn from_request(req: HttpRequest, ..) -> Option<{Self}>` with `#[login_runtime::request_loader]`"
)]
pub trait RequestLoader: UserMixin + Sized {
    /// Loads the user this request authenticates as, if any.
    ///
    /// `Ok(None)` means "no user" (the request is anonymous); `Err` is a failure of the store,
    /// answered with an opaque 500.
    fn load_from_request(
        req: &HttpRequest,
    ) -> impl Future<Output = Result<Option<Self>, actix_web::Error>> + 'static;
}

/// A type a loader can take its id as: parsed with `FromStr`, checked with `Display`.
///
/// Not public API: only the `#[user_loader]` expansion names it, through `__private`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a user id",
    label = "the id parameter must implement `FromStr` and `Display`",
    note = "use `String`, an integer type, or a type implementing both `FromStr` and `Display`"
)]
pub trait UserId: FromStr + Display {}

impl<T: FromStr + Display> UserId for T {}

/// Longest id the library hands to a loader; anything longer is not a user.
const MAX_ID_LEN: usize = 256;

/// Parses a stored id, accepting only its canonical form.
///
/// `"01"` and `"+1"` parse as `1` but are not the id `1` wrote; accepting them would give one
/// user several session identities. Empty, oversized and unparsable ids are "no user".
pub fn parse_canonical_id<T: UserId>(raw: &str) -> Option<T> {
    if raw.is_empty() || raw.len() > MAX_ID_LEN {
        return None;
    }
    let id = raw.parse::<T>().ok()?;
    // The canonical form writes back exactly `raw`.
    displays_as(&id, raw).then_some(id)
}

/// Whether `value` displays as exactly `text`, compared as it is written: no allocation.
pub(crate) fn displays_as<T: Display + ?Sized>(value: &T, text: &str) -> bool {
    let mut check = CanonicalCheck {
        rest: text,
        ok: true,
    };
    std::fmt::write(&mut check, format_args!("{value}")).is_ok()
        && check.ok
        && check.rest.is_empty()
}

/// A `fmt::Write` that consumes `rest` while the written text matches it.
struct CanonicalCheck<'a> {
    rest: &'a str,
    ok: bool,
}

impl std::fmt::Write for CanonicalCheck<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) if self.ok => self.rest = rest,
            _ => self.ok = false,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_canonical_id;

    #[test]
    fn canonical_ids_only() {
        assert_eq!(parse_canonical_id::<i64>("1"), Some(1));
        assert_eq!(parse_canonical_id::<i64>("-7"), Some(-7));
        assert_eq!(parse_canonical_id::<i64>("01"), None);
        assert_eq!(parse_canonical_id::<i64>("+1"), None);
        assert_eq!(parse_canonical_id::<i64>(" 1"), None);
        assert_eq!(parse_canonical_id::<i64>(""), None);
        assert_eq!(parse_canonical_id::<u8>("256"), None);
        assert_eq!(parse_canonical_id::<String>("x").as_deref(), Some("x"));
        assert_eq!(parse_canonical_id::<String>(&"a".repeat(257)), None);
    }

    mod properties {
        use super::parse_canonical_id;
        use proptest::prelude::*;

        proptest! {
            /// Every integer's canonical form parses back to it.
            #[test]
            fn integers_round_trip(n in any::<i64>()) {
                prop_assert_eq!(parse_canonical_id::<i64>(&n.to_string()), Some(n));
            }

            /// Whatever is accepted is exactly the canonical form of what it parsed to.
            #[test]
            fn only_canonical_forms_are_accepted(raw in "[-+ 0-9a-z]{0,24}") {
                if let Some(n) = parse_canonical_id::<i64>(&raw) {
                    prop_assert_eq!(n.to_string(), raw);
                }
            }
        }
    }
}
