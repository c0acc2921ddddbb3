//! `next` URLs: building the login redirect and refusing open redirects.
//!
//! The contract is `docs/behaviour.md` N1–N14; Flask-Login leaves `next` checking to every app,
//! and many shipped open redirects, so here it is on by default.

use actix_web::HttpRequest;
use url::{Position, Url, form_urlencoded};

/// Longest `next` value considered at all (docs/behaviour.md N1).
const MAX_NEXT_LEN: usize = 2048;

/// Builds the URL of the login view with `next_url` in its query, as Flask-Login's `login_url`.
///
/// `next_url` is reduced with [`make_next_param`] and form-encoded (`/` → `%2F`, `?` → `%3F`,
/// `&` → `%26`, `#` → `%23`, space → `+`, non-ASCII as UTF-8 `%XX`), so exactly one
/// `next_field` parameter results. The rest of `login_view`'s query is kept as written; a
/// `next_field` already in it is replaced where it stands (repeats are dropped), not duplicated.
///
/// ```
/// use login_runtime::login_url;
/// assert_eq!(login_url("/login", Some("http://localhost/protected"), "next"), "/login?next=%2Fprotected");
/// assert_eq!(login_url("/login?x=1", Some("/a?b=c"), "next"), "/login?x=1&next=%2Fa%3Fb%3Dc");
/// assert_eq!(login_url("/login?next=old&x=1", Some("/a"), "next"), "/login?next=%2Fa&x=1");
/// assert_eq!(login_url("/foo", None, "next"), "/foo");
/// ```
pub fn login_url(login_view: &str, next_url: Option<&str>, next_field: &str) -> String {
    let Some(next_url) = next_url else {
        return login_view.to_owned();
    };
    // The common case — `/login` and a path from this site — in one allocation: it is what
    // every unauthorized request builds. The general path below gives the same result.
    let local_next =
        next_url.starts_with('/') && !next_url.starts_with("//") && !next_url.contains('#');
    if local_next && !login_view.contains(['?', '#']) {
        let mut url =
            String::with_capacity(login_view.len() + next_field.len() + 2 * next_url.len());
        url.push_str(login_view);
        url.push('?');
        url.extend(form_urlencoded::byte_serialize(next_field.as_bytes()));
        url.push('=');
        url.extend(form_urlencoded::byte_serialize(next_url.as_bytes()));
        return url;
    }
    login_url_general(login_view, next_url, next_field)
}

/// `login_url` for any view and any `next`.
fn login_url_general(login_view: &str, next_url: &str, next_field: &str) -> String {
    let next = make_next_param(login_view, next_url);
    let (before_fragment, fragment) = match login_view.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (login_view, None),
    };
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let next_pair = form_urlencoded::Serializer::new(String::new())
        .append_pair(next_field, &next)
        .finish();
    let mut pairs = Vec::new();
    let mut placed = false;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        if !pair_names(pair, next_field) {
            pairs.push(pair);
        } else if !placed {
            pairs.push(&next_pair);
            placed = true;
        }
    }
    if !placed {
        pairs.push(&next_pair);
    }
    let mut url = format!("{path}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// Whether the raw query pair `pair` (`key=value` or a bare `key`) has the form-decoded key `field`.
fn pair_names(pair: &str, field: &str) -> bool {
    let key = pair.split_once('=').map_or(pair, |(key, _)| key);
    form_urlencoded::parse(key.as_bytes())
        .next()
        .is_some_and(|(key, _)| key == field)
}

/// Reduces `current_url` to its path and query when `login_url` is on the same scheme and host
/// (or names none), as Flask-Login's `make_next_param`; otherwise returns it whole.
///
/// ```
/// use login_runtime::make_next_param;
/// assert_eq!(make_next_param("/login", "http://localhost/profile"), "/profile");
/// assert_eq!(make_next_param("https://auth.example/login", "http://localhost/profile"), "http://localhost/profile");
/// ```
pub fn make_next_param(login_url: &str, current_url: &str) -> String {
    let login = split_url(login_url);
    let current = split_url(current_url);
    let same_scheme = login
        .scheme
        .is_none_or(|scheme| Some(scheme) == current.scheme);
    let same_host = login
        .authority
        .is_none_or(|host| Some(host) == current.authority);
    if same_scheme && same_host {
        current.path_and_query.to_owned()
    } else {
        current_url.to_owned()
    }
}

/// The parts of a URL `make_next_param` compares, split the way Python's `urlsplit` does.
struct SplitUrl<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path_and_query: &'a str,
}

fn split_url(url: &str) -> SplitUrl<'_> {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (scheme, rest) = match url.split_once(':') {
        Some((scheme, rest))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            (Some(scheme), rest)
        }
        _ => (None, url),
    };
    let (authority, path_and_query) = match rest.strip_prefix("//") {
        Some(rest) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            (Some(&rest[..end]), &rest[end..])
        }
        None => (None, rest),
    };
    SplitUrl {
        scheme,
        authority,
        path_and_query,
    }
}

/// Returns `raw` as a safe redirect target on this site, or `None`.
///
/// Only an absolute path on this site survives (`/`, or `/` followed by anything but `/` or
/// `\`); it is re-parsed as a browser would and re-serialised, so what comes back is
/// percent-encoded printable ASCII that `safe_next` accepts again unchanged. Anything else —
/// other hosts, scheme-relative URLs (also those that dot segments such as `/.//host` or
/// `/%2e//host` resolve to), backslashes, control characters, more than 2048 bytes before or
/// after re-encoding — is refused; fall back to a default page. `raw` must already be decoded
/// once (as query and form extractors do); it is never decoded again.
///
/// The verdict depends on `raw` alone, never on the request's `Host` or forwarding headers: a
/// value that passes is a path, which resolves against whatever origin the request has.
///
/// ```
/// # use actix_web::test::TestRequest;
/// use login_runtime::safe_next;
/// let req = TestRequest::default().to_http_request();
/// assert_eq!(safe_next(&req, "/settings?tab=1").as_deref(), Some("/settings?tab=1"));
/// assert_eq!(safe_next(&req, "/caf\u{e9}").as_deref(), Some("/caf%C3%A9"));
/// assert_eq!(safe_next(&req, "//evil.example"), None);
/// assert_eq!(safe_next(&req, "/.//evil.example"), None);
/// assert_eq!(safe_next(&req, "/\\evil.example"), None);
/// assert_eq!(safe_next(&req, "https://evil.example/"), None);
/// ```
pub fn safe_next(_req: &HttpRequest, raw: &str) -> Option<String> {
    if raw.len() > MAX_NEXT_LEN || raw.contains(|c: char| c.is_ascii_control() || c == '\\') {
        return None;
    }
    let rest = raw.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    // Any origin works as the base: the value is a path, and it is the path and what follows
    // that comes back. The origin check below holds the line should the rules above loosen.
    // (User info needs no check of its own: only an authority carries it, an authority changes
    // the origin unless it names the base's own host, and what comes back starts at the path.)
    let base = Url::parse("http://login-runtime.invalid/").ok()?;
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let target = &url[Position::BeforePath..];
    // Dot segments can leave an empty first segment (`/.//evil` → `//evil`), which a browser
    // reads as a host; and percent-encoding can push a value past the limit, which would not be
    // accepted again.
    if target.starts_with("//") || target.starts_with("/\\") || target.len() > MAX_NEXT_LEN {
        return None;
    }
    Some(target.to_owned())
}

/// [`safe_next`], plus absolute URLs on the listed origins (docs/behaviour.md N7): for apps
/// whose login sends users on to a sibling site. Origins are compared exactly — scheme, host and
/// port — as in `https://docs.example` or `http://localhost:3000`; an entry that does not parse
/// as an origin matches nothing.
///
/// ```
/// # use actix_web::test::TestRequest;
/// use login_runtime::safe_next_with;
/// let req = TestRequest::default().to_http_request();
/// let allowed = ["https://docs.example"];
/// assert_eq!(safe_next_with(&req, "https://docs.example/a?b=c", &allowed).as_deref(), Some("https://docs.example/a?b=c"));
/// assert_eq!(safe_next_with(&req, "https://docs.example.evil/", &allowed), None);
/// assert_eq!(safe_next_with(&req, "http://docs.example/", &allowed), None);
/// assert_eq!(safe_next_with(&req, "/local", &allowed).as_deref(), Some("/local"));
/// ```
pub fn safe_next_with(req: &HttpRequest, raw: &str, allowed_origins: &[&str]) -> Option<String> {
    if let Some(local) = safe_next(req, raw) {
        return Some(local);
    }
    if raw.len() > MAX_NEXT_LEN || raw.contains(|c: char| c.is_ascii_control() || c == '\\') {
        return None;
    }
    let url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let origin = url.origin();
    let allowed = allowed_origins
        .iter()
        .filter_map(|allowed| Url::parse(allowed).ok())
        .any(|allowed| allowed.origin() == origin);
    let target = String::from(url);
    (allowed && target.len() <= MAX_NEXT_LEN).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::{login_url, login_url_general};

    #[test]
    fn fast_path_agrees_with_the_general_path() {
        let views = ["/login", "/a/b", "https://auth.example/login", "login"];
        let nexts = ["/", "/secret", "/a?b=c&d=/e", "/%2F%2F", "/ä ö?x=#", "/x+y"];
        for view in views {
            for next in nexts {
                for field in ["next", "n", "a b"] {
                    let fast = login_url(view, Some(next), field);
                    let general = login_url_general(view, next, field);
                    assert_eq!(fast, general, "{view} {next} {field}");
                }
            }
        }
    }
}
