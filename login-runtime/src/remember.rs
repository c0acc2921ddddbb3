//! The remember-me cookie: a login that outlives the session cookie.
//!
//! The cookie is ours, not Flask-Login's: versioned, encrypted and authenticated (AES-256-GCM
//! through the `cookie` crate's private jar, which binds the cookie name) under a key derived
//! for this purpose from the app's key, carrying the user id, issue time and expiry. The expiry
//! is enforced from the authenticated payload, never from the browser. Nothing in the cookie is
//! parsed before it has been verified.

use std::time::Duration;

use crate::login_record::{LoginRef, unix_now};
use crate::protection::Fingerprinter;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha512;

/// Flask-Login's 365 days is far longer than a remembered login should live unseen.
const DEFAULT_DURATION: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// Browsers cap cookie lifetimes at 400 days (RFC 6265bis); a longer promise would be a lie.
const MAX_DURATION: Duration = Duration::from_secs(400 * 24 * 60 * 60);
/// Values this long are refused before any decryption work (docs/behaviour.md R3).
const MAX_COOKIE_LEN: usize = 4096;
/// Clock skew tolerated for an issue time in the future.
const MAX_SKEW_SECS: u64 = 60;
/// The payload format; bump it to retire every cookie issued before.
const VERSION: &str = "2";
/// Domain separation for the derived key: no other use of the app key can produce it.
const KEY_LABEL: &[u8] = b"login-runtime remember-me cookie v1";

/// Remember-me configuration, given to [`LoginManager::remember_me`](crate::LoginManager::remember_me).
///
/// Defaults: name `remember_token`, 14 days, `Path=/`, `HttpOnly`, `SameSite=Lax`, `Secure`.
///
/// ```
/// use std::time::Duration;
/// use actix_web::cookie::Key;
/// use login_runtime::RememberMe;
///
/// let key = Key::generate(); // the same 64-byte key you give actix-session
/// let remember = RememberMe::new(&key).duration(Duration::from_secs(7 * 24 * 3600));
/// ```
#[derive(Clone)]
pub struct RememberMe {
    key: Key,
    old_keys: Vec<Key>,
    pub(crate) name: String,
    duration: Duration,
    domain: Option<String>,
    path: String,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    pub(crate) refresh_each_request: bool,
    /// Shared by the clones in every worker, so the not-`Secure` warning is logged once.
    warned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for RememberMe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RememberMe")
            .field("name", &self.name)
            .field("duration", &self.duration)
            .field("domain", &self.domain)
            .field("path", &self.path)
            .field("secure", &self.secure)
            .field("http_only", &self.http_only)
            .field("same_site", &self.same_site)
            .field("refresh_each_request", &self.refresh_each_request)
            .finish_non_exhaustive()
    }
}

/// Derives the remember-cookie key from the app key, so the app key itself never encrypts ours.
fn derive(app_key: &Key) -> Key {
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(app_key.master())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(KEY_LABEL);
    Key::from(&mac.finalize().into_bytes())
}

impl RememberMe {
    /// Remember-me cookies under a key derived from `app_key` (actix's 64-byte `Key`).
    pub fn new(app_key: &Key) -> Self {
        Self {
            key: derive(app_key),
            old_keys: Vec::new(),
            name: "remember_token".to_owned(),
            duration: DEFAULT_DURATION,
            domain: None,
            path: "/".to_owned(),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            refresh_each_request: false,
            warned: std::sync::Arc::default(),
        }
    }

    /// A previous app key, accepted for verification only: a cookie it verifies is re-issued
    /// under the current key (key rotation).
    pub fn old_key(mut self, app_key: &Key) -> Self {
        self.old_keys.push(derive(app_key));
        self
    }

    /// The cookie name (default `remember_token`).
    pub fn name(self, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..self
        }
    }

    /// How long a remembered login lasts (default 14 days, capped at 400).
    pub fn duration(self, duration: Duration) -> Self {
        Self {
            duration: duration.min(MAX_DURATION),
            ..self
        }
    }

    /// The cookie's `Domain` (default none: this host only).
    pub fn domain(self, domain: impl Into<String>) -> Self {
        Self {
            domain: Some(domain.into()),
            ..self
        }
    }

    /// The cookie's `Path` (default `/`).
    pub fn path(self, path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            ..self
        }
    }

    /// Whether the cookie is `Secure` (default on; turn off only for local HTTP development).
    pub fn secure(self, secure: bool) -> Self {
        Self { secure, ..self }
    }

    /// Whether the cookie is `HttpOnly` (default on).
    pub fn http_only(self, http_only: bool) -> Self {
        Self { http_only, ..self }
    }

    /// The cookie's `SameSite` (default `Lax`, written explicitly).
    pub fn same_site(self, same_site: SameSite) -> Self {
        Self { same_site, ..self }
    }

    /// Re-issue an existing remember cookie with a fresh expiry on every request that resolves
    /// the user (default off). It never creates a cookie for a login made without `remember`.
    pub fn refresh_each_request(self, refresh: bool) -> Self {
        Self {
            refresh_each_request: refresh,
            ..self
        }
    }

    /// Startup checks (docs/behaviour.md C2): a configuration a browser would reject or weaken.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.name.starts_with("__Host-") && (self.domain.is_some() || self.path != "/") {
            return Err(format!(
                "the remember cookie `{}` has the `__Host-` prefix, which browsers only accept \
                 without `Domain` and with `Path=/`; drop `.domain(..)` and `.path(..)`",
                self.name
            ));
        }
        let prefixed = self.name.starts_with("__Host-") || self.name.starts_with("__Secure-");
        if prefixed && !self.secure {
            return Err(format!(
                "the remember cookie `{}` has a `__Host-`/`__Secure-` prefix, which browsers only \
                 accept on `Secure` cookies; drop `.secure(false)` or rename it",
                self.name
            ));
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err("a remember cookie with `SameSite=None` must be `Secure`; \
                        use `.secure(true)` or another `same_site`"
                .to_owned());
        }
        // Once per configuration, not once per worker.
        if !self.secure && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                target: "login_runtime",
                "the remember cookie `{}` is not `Secure`: it will travel over plain HTTP; \
                 use this only for local development",
                self.name
            );
        }
        Ok(())
    }

    /// The longest any remember cookie can live, whatever duration a login asked for.
    pub(crate) fn max_lifetime(&self) -> Duration {
        MAX_DURATION.max(self.duration)
    }

    /// A session-protection key from the same app key, for managers given no `secret_key`.
    pub(crate) fn fingerprinter(&self) -> Fingerprinter {
        Fingerprinter::new(&self.key)
    }

    /// Whether the cookie has a `Path` other than `/` or a `Domain`: then a request may not
    /// carry it even though the browser holds it.
    pub(crate) fn scoped(&self) -> bool {
        self.path != "/" || self.domain.is_some()
    }

    /// The lifetime of a cookie issued with `duration` (default: the configured one).
    pub(crate) fn lifetime(&self, duration: Option<Duration>) -> Duration {
        duration.map_or(self.duration, |d| d.min(MAX_DURATION))
    }

    /// A new remember cookie for `login`, valid for `duration` (default: the configured one).
    /// The login's auth-hash tag is in it, so a password change also ends remembered logins.
    pub(crate) fn issue(&self, login: &Remembered, duration: Option<Duration>) -> Cookie<'static> {
        let duration = self.lifetime(duration);
        let now = unix_now();
        let expires = now.saturating_add(duration.as_secs());
        let Remembered {
            namespace,
            login_id,
            issued_at,
            tag,
            id,
        } = login;
        let payload =
            format!("{VERSION}|{now}|{expires}|{namespace}|{login_id}|{issued_at}|{tag}|{id}");
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key)
            .add(self.attributes(Cookie::new(self.name.clone(), payload)));
        let mut cookie = jar
            .get(&self.name)
            .cloned()
            .unwrap_or_else(|| Cookie::new(self.name.clone(), ""));
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
        ));
        cookie
    }

    /// The cookie that deletes ours: the same name, path, domain, secure and same-site.
    pub(crate) fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.attributes(Cookie::new(self.name.clone(), ""));
        cookie.make_removal();
        cookie
    }

    fn attributes(&self, mut cookie: Cookie<'static>) -> Cookie<'static> {
        cookie.set_path(self.path.clone());
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie.set_secure(self.secure);
        cookie.set_http_only(self.http_only);
        cookie.set_same_site(self.same_site);
        cookie
    }

    /// Verifies the request's remember cookie for the manager of `namespace`.
    pub(crate) fn check(&self, req: &HttpRequest, namespace: &str) -> RememberCheck {
        let Ok(cookies) = req.cookies() else {
            return RememberCheck::Absent;
        };
        let mut ours = cookies.iter().filter(|cookie| cookie.name() == self.name);
        let (Some(cookie), None) = (ours.next(), ours.next()) else {
            // None, or two with our name: a second one may have been planted by a sibling
            // domain (cookie tossing), so neither is trusted (docs/behaviour.md R4).
            return RememberCheck::Absent;
        };
        if cookie.value().len() > MAX_COOKIE_LEN {
            return RememberCheck::Invalid;
        }
        let mut jar = CookieJar::new();
        jar.add_original(cookie.clone().into_owned());
        let current = jar.private(&self.key).get(&self.name);
        let (plain, rotated) = match current {
            Some(plain) => (plain, false),
            None => {
                let old = self
                    .old_keys
                    .iter()
                    .find_map(|key| jar.private(key).get(&self.name));
                match old {
                    Some(plain) => (plain, true),
                    None => return RememberCheck::Invalid,
                }
            }
        };
        match parse_payload(plain.value()) {
            Some(Payload {
                login,
                issued,
                expires,
            }) => {
                let now = unix_now();
                if expires <= now || issued > now.saturating_add(MAX_SKEW_SECS) {
                    return RememberCheck::Invalid;
                }
                if login.namespace != namespace {
                    // Another manager's login: not ours to use, and not ours to delete.
                    return RememberCheck::Absent;
                }
                RememberCheck::Valid {
                    login,
                    lifetime: Duration::from_secs(expires.saturating_sub(issued)),
                    remaining: Duration::from_secs(expires.saturating_sub(now)),
                    rotated,
                }
            }
            None => RememberCheck::Invalid,
        }
    }
}

/// The login a remember cookie carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remembered {
    /// The namespace of the manager that issued it.
    pub(crate) namespace: String,
    /// The login id, shared with the session records restored from it.
    pub(crate) login_id: String,
    /// When the user authenticated (`auth_clock`: Unix microseconds).
    pub(crate) issued_at: u64,
    /// The user's auth-hash tag at login.
    pub(crate) tag: String,
    /// The user id.
    pub(crate) id: String,
}

impl Remembered {
    /// The login, for revocation checks.
    pub(crate) fn login(&self) -> LoginRef<'_> {
        LoginRef {
            namespace: &self.namespace,
            user_id: &self.id,
            login_id: &self.login_id,
            issued_at: self.issued_at,
        }
    }
}

/// What the request's remember cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RememberCheck {
    /// No cookie, an ambiguous pair, or another manager's cookie.
    Absent,
    /// A cookie that failed verification or has expired: answered with a removal cookie.
    Invalid,
    /// A verified, unexpired cookie of this manager; `rotated` when an old key verified it.
    Valid {
        login: Remembered,
        /// The lifetime it was issued with, which a refresh starts again.
        lifetime: Duration,
        /// The time it has left, which re-keying keeps.
        remaining: Duration,
        rotated: bool,
    },
}

/// A verified cookie's contents.
#[derive(Debug, PartialEq, Eq)]
struct Payload {
    login: Remembered,
    issued: u64,
    expires: u64,
}

/// `2|issued|expires|namespace|login id|authenticated at|tag|id`, verified already; the id
/// may itself contain `|` (the namespace cannot: the manager refuses one that does).
fn parse_payload(payload: &str) -> Option<Payload> {
    let mut parts = payload.splitn(8, '|');
    if parts.next()? != VERSION {
        return None;
    }
    let issued = parts.next()?.parse().ok()?;
    let expires = parts.next()?.parse().ok()?;
    let namespace = parts.next()?.to_owned();
    let login_id = parts.next()?.to_owned();
    let issued_at = parts.next()?.parse().ok()?;
    let tag = parts.next()?.to_owned();
    let id = parts.next()?;
    (!id.is_empty() && !login_id.is_empty()).then(|| Payload {
        login: Remembered {
            namespace,
            login_id,
            issued_at,
            tag,
            id: id.to_owned(),
        },
        issued,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const NS: &str = "app::User";

    fn request_with(value: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header(("cookie", format!("remember_token={value}")))
            .to_http_request()
    }

    fn login(id: &str, tag: &str) -> Remembered {
        Remembered {
            namespace: NS.into(),
            login_id: "0123abcd".into(),
            issued_at: 1_700_000_000_000,
            tag: tag.into(),
            id: id.into(),
        }
    }

    fn valid(login: Remembered, rotated: bool) -> RememberCheck {
        RememberCheck::Valid {
            login,
            lifetime: DEFAULT_DURATION,
            remaining: DEFAULT_DURATION,
            rotated,
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let remember = RememberMe::new(&Key::from(&[1; 64]));
        let cookie = remember.issue(&login("42", ""), None);
        let value = cookie.value().to_owned();
        assert_eq!(
            remember.check(&request_with(&value), NS),
            valid(login("42", ""), false)
        );
        let other = RememberMe::new(&Key::from(&[2; 64]));
        assert_eq!(
            other.check(&request_with(&value), NS),
            RememberCheck::Invalid
        );
        let rotated = other.old_key(&Key::from(&[1; 64]));
        assert_eq!(
            rotated.check(&request_with(&value), NS),
            valid(login("42", ""), true)
        );
        for i in 0..value.len() {
            let mut bytes = value.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap_or_default();
            assert_ne!(
                remember.check(&request_with(&tampered), NS),
                valid(login("42", ""), false),
                "byte {i}"
            );
        }
        assert_eq!(
            remember.check(&request_with(&value[..value.len() - 1]), NS),
            RememberCheck::Invalid
        );
    }

    /// `payload` sealed under `remember`'s key, as `issue` would seal it: for cookies `issue`
    /// never makes (issued in the future, over-long).
    fn seal(remember: &RememberMe, payload: String) -> String {
        let mut jar = CookieJar::new();
        jar.private_mut(&remember.key)
            .add(Cookie::new(remember.name.clone(), payload));
        jar.get(&remember.name)
            .map(|cookie| cookie.value().to_owned())
            .unwrap_or_default()
    }

    fn payload(issued: u64, id: &str) -> String {
        let expires = issued + 3600;
        format!("{VERSION}|{issued}|{expires}|{NS}|0123abcd|1700000000000||{id}")
    }

    #[test]
    fn issued_in_the_future_counts_up_to_the_allowed_skew() {
        let remember = RememberMe::new(&Key::from(&[1; 64]));
        let now = unix_now();
        // At the skew: accepted (a later second at check time only widens the margin).
        let at_skew = seal(&remember, payload(now + MAX_SKEW_SECS, "42"));
        assert!(
            matches!(
                remember.check(&request_with(&at_skew), NS),
                RememberCheck::Valid { .. }
            ),
            "issued {MAX_SKEW_SECS} s ahead"
        );
        let ahead = seal(&remember, payload(now + 3600, "42"));
        assert_eq!(
            remember.check(&request_with(&ahead), NS),
            RememberCheck::Invalid,
            "issued an hour ahead"
        );
    }

    #[test]
    fn a_cookie_over_4_kb_is_refused_even_when_sealed_with_our_key() {
        let remember = RememberMe::new(&Key::from(&[1; 64]));
        let now = unix_now();
        // The id length whose sealed cookie is exactly at the bound, found by trying: the
        // sealed length grows in steps of four characters for every three bytes.
        let sealed = |len: usize| seal(&remember, payload(now, &"7".repeat(len)));
        let at_bound = (2_900..3_200)
            .map(sealed)
            .find(|value| value.len() == MAX_COOKIE_LEN)
            .unwrap_or_default();
        assert_eq!(at_bound.len(), MAX_COOKIE_LEN);
        assert!(
            matches!(
                remember.check(&request_with(&at_bound), NS),
                RememberCheck::Valid { .. }
            ),
            "exactly {MAX_COOKIE_LEN} characters"
        );
        let over = sealed(3_100);
        assert!(over.len() > MAX_COOKIE_LEN);
        assert_eq!(
            remember.check(&request_with(&over), NS),
            RememberCheck::Invalid
        );
    }

    #[test]
    fn another_managers_cookie_is_absent_not_invalid() {
        let remember = RememberMe::new(&Key::from(&[1; 64]));
        let cookie = remember.issue(&login("42", ""), None);
        assert_eq!(
            remember.check(&request_with(cookie.value()), "admin::Staff"),
            RememberCheck::Absent
        );
    }

    #[test]
    fn expired_payload_is_refused() {
        let remember = RememberMe::new(&Key::from(&[1; 64]));
        let cookie = remember.issue(&login("42", ""), Some(Duration::ZERO));
        assert_eq!(
            remember.check(&request_with(cookie.value()), NS),
            RememberCheck::Invalid
        );
    }

    #[test]
    fn payload_parsing() {
        let payload = |id: &str, tag: &str| Payload {
            login: Remembered {
                namespace: "n".into(),
                login_id: "l".into(),
                issued_at: 3,
                tag: tag.into(),
                id: id.into(),
            },
            issued: 5,
            expires: 9,
        };
        assert_eq!(
            parse_payload("2|5|9|n|l|3|t|a|b"),
            Some(payload("a|b", "t"))
        );
        assert_eq!(parse_payload("2|5|9|n|l|3||a"), Some(payload("a", "")));
        assert_eq!(parse_payload("1|5|9|n|l|3||a"), None, "old version");
        assert_eq!(parse_payload("2|x|9|n|l|3||a"), None);
        assert_eq!(parse_payload("2|5|9|n|l|x||a"), None);
        assert_eq!(parse_payload("2|5|9|n||3||a"), None, "no login id");
        assert_eq!(parse_payload("2|5|9|n|l|3||"), None, "no user id");
        assert_eq!(parse_payload("2|5|9|n|l|3|a"), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn valid(remember: &RememberMe, value: &str) -> Option<(String, String)> {
            match remember.check(&request_with(value), NS) {
                RememberCheck::Valid { login, .. } => Some((login.id, login.tag)),
                _ => None,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any id and tag come back exactly as issued.
            #[test]
            fn round_trip(id in "\\PC{1,64}", tag in "[0-9a-f]{0,32}", key in any::<u8>()) {
                let remember = RememberMe::new(&Key::from(&[key; 64]));
                let cookie = remember.issue(&login(&id, &tag), None);
                prop_assert_eq!(valid(&remember, cookie.value()), Some((id, tag)));
            }

            /// Changing, dropping or adding any byte of the value is refused.
            #[test]
            fn any_edit_is_refused(
                id in "[a-z0-9]{1,16}",
                position in any::<prop::sample::Index>(),
                byte in 0x21u8..0x7f, // what a header can carry
                edit in 0..3u8,
            ) {
                let remember = RememberMe::new(&Key::from(&[9; 64]));
                let original = remember.issue(&login(&id, ""), None).value().to_owned();
                let mut bytes = original.clone().into_bytes();
                let at = position.index(bytes.len());
                match edit {
                    0 => bytes[at] = byte,
                    1 => { bytes.remove(at); }
                    _ => bytes.insert(at, byte),
                }
                let edited = String::from_utf8_lossy(&bytes).into_owned();
                prop_assume!(edited != original);
                prop_assert_eq!(valid(&remember, &edited), None);
            }

            /// A cookie issued under one key never verifies under another.
            #[test]
            fn other_keys_refuse(id in "[a-z0-9]{1,16}", a in any::<u8>(), b in any::<u8>()) {
                prop_assume!(a != b);
                let issuer = RememberMe::new(&Key::from(&[a; 64]));
                let other = RememberMe::new(&Key::from(&[b; 64]));
                prop_assert_eq!(valid(&other, issuer.issue(&login(&id, ""), None).value()), None);
            }
        }
    }
}
