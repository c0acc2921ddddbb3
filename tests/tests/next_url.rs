//! `next` URL safety (docs/behaviour.md N1–N12, N14) and the login-URL helpers (B11–B13, B37
//! and B38): `safe_next`, `login_url`, `make_next_param`, and the `next` the unauthorized
//! redirect builds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_session::{SessionMiddleware, storage::CookieSessionStore};
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, HttpRequest, cookie::Key, get, http::header, web};
use login_runtime::{
    CurrentUser, LoginManager, UserMixin, login_required, login_url, make_next_param, safe_next,
    safe_next_with, user_loader,
};
use proptest::prelude::*;
use url::{Url, form_urlencoded};

fn request() -> HttpRequest {
    TestRequest::default().to_http_request()
}

#[track_caller]
fn assert_rejects(raw: &str) {
    let out = safe_next(&request(), raw);
    assert_eq!(
        out, None,
        "safe_next accepted {raw:?} as {out:?}; it must be rejected"
    );
}

#[track_caller]
fn assert_accepts(raw: &str, expected: &str) {
    assert_eq!(
        safe_next(&request(), raw).as_deref(),
        Some(expected),
        "safe_next({raw:?})"
    );
}

/// One `#[test]` per rejected input, so a failure names both the case and the input.
macro_rules! rejects {
    ($($name:ident: $raw:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_rejects(&$raw);
        }
    )*};
}

/// One `#[test]` per accepted input, with the exact value `safe_next` must return.
macro_rules! accepts {
    ($($name:ident: $raw:expr => $out:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_accepts(&$raw, $out);
        }
    )*};
}

// ---------------------------------------------------------------------------------------------
// docs/behaviour.md N9: the known attack patterns, one test each.
rejects! {
    n_09_rejects_scheme_relative_double_slash: "//evil.com";
    n_09_rejects_triple_slash: "///evil.com";
    n_09_rejects_quadruple_slash: "////evil.com";
    n_09_rejects_double_backslash: "\\\\evil.com";
    n_09_rejects_slash_backslash: "/\\evil.com";
    n_09_rejects_backslash_slash: "\\/evil.com";
    n_09_rejects_slash_backslash_slash: "/\\/evil.com";
    n_09_rejects_http_url: "http://evil.com";
    n_09_rejects_https_url: "https://evil.com";
    n_09_rejects_http_triple_slash: "http:///evil.com";
    n_09_rejects_http_without_slashes: "http:evil.com";
    n_09_rejects_https_without_slashes: "https:evil.com";
    n_09_rejects_ftp_url: "ftp://evil.com";
    n_09_rejects_javascript_scheme: "javascript:alert(1)";
    n_09_rejects_mixed_case_javascript_scheme: "JaVaScRiPt:alert(1)";
    n_09_rejects_data_url: "data:text/html,x";
    n_09_rejects_tab_between_slashes: "/\t/evil.com";
    n_09_rejects_leading_tab_then_double_slash: "\t//evil.com";
    n_09_rejects_leading_space_then_double_slash: " //evil.com";
    n_09_rejects_leading_nul_then_double_slash: "\0//evil.com";
    n_09_rejects_crlf_header_injection: "/ok\r\nSet-Cookie: x=1";
    n_09_rejects_user_info_on_absolute_url: "https://app.example@evil.com/";
    n_09_rejects_user_info_on_scheme_relative_url: "//app.example@evil.com";
    n_09_rejects_http_with_numeric_host: "http:999999999";
    n_09_rejects_2049_byte_path: format!("/{}", "a".repeat(2048));
}

// ---------------------------------------------------------------------------------------------
// More in the same spirit.

// Not an absolute path at all.
rejects! {
    rejects_empty_string: "";
    rejects_relative_path: "dashboard";
    rejects_dot_relative_path: "./dashboard";
    rejects_dot_dot_relative_path: "../dashboard";
    rejects_bare_dot: ".";
    rejects_query_only: "?next=/x";
    rejects_fragment_only: "#frag";
    rejects_bare_host: "evil.com";
    rejects_bare_host_with_path: "evil.com/path";
    rejects_bare_host_with_port: "evil.com:443/path";
}

// Dot segments that the parser collapses into a scheme-relative `//host`.
rejects! {
    rejects_dot_segment_then_double_slash: "/.//evil.com";
    rejects_dot_dot_segment_then_double_slash: "/..//evil.com";
    rejects_two_dot_segments_then_double_slash: "/././/evil.com";
    rejects_encoded_dot_segment_then_double_slash: "/%2e//evil.com";
    rejects_upper_encoded_dot_segment_then_double_slash: "/%2E//evil.com";
    rejects_encoded_dot_dot_segment_then_double_slash: "/%2e%2e//evil.com";
    rejects_mixed_dot_dot_segment_then_double_slash: "/.%2E//evil.com";
    rejects_climbing_out_then_double_slash: "/a/..//evil.com";
    rejects_deep_climb_then_double_slash: "/a/b/../..//evil.com";
    rejects_climb_past_root_then_double_slash: "/../../..//evil.com";
    rejects_dot_segment_then_triple_slash: "/.///evil.com";
    rejects_dot_segment_then_double_slash_user_info: "/.//app.example@evil.com";
}

// ASCII control characters anywhere, which browsers drop or choke on.
rejects! {
    rejects_tab_after_first_slash: "/\t/evil.com";
    rejects_newline_between_slashes: "/\n/evil.com";
    rejects_carriage_return_between_slashes: "/\r/evil.com";
    rejects_leading_newline: "\n//evil.com";
    rejects_leading_crlf: "\r\n//evil.com";
    rejects_trailing_tab: "/ok\t";
    rejects_trailing_newline: "/ok\n";
    rejects_tab_in_query: "/ok?a=\tb";
    rejects_newline_in_fragment: "/ok#a\nb";
    rejects_vertical_tab: "/\x0b/evil.com";
    rejects_form_feed: "/\x0c/evil.com";
    rejects_escape: "/ok\x1b[31m";
    rejects_delete: "/ok\x7f";
    rejects_unit_separator: "/ok\x1f";
    rejects_nul_after_slash: "/\0/evil.com";
    rejects_trailing_nul: "/ok\0";
    rejects_tab_inside_scheme: "java\tscript:alert(1)";
    rejects_lf_in_header_injection: "/ok\nLocation: //evil.com";
}

// Backslashes anywhere (browsers read them as `/`).
rejects! {
    rejects_lone_backslash: "\\";
    rejects_slash_then_lone_backslash: "/\\";
    rejects_slash_double_backslash: "/\\\\evil.com";
    rejects_backslash_later_in_path: "/ok\\evil";
    rejects_backslash_in_query: "/ok?a=\\";
    rejects_backslash_in_fragment: "/ok#\\";
    rejects_encoded_backslash_then_backslash: "/%5C\\evil.com";
    rejects_tab_then_backslash: "/\t\\evil.com";
    rejects_http_backslashes: "http:\\\\evil.com";
    rejects_http_slash_backslash: "http:/\\evil.com";
}

// Leading unicode whitespace or look-alikes: not an absolute path.
rejects! {
    rejects_ideographic_space_then_double_slash: "\u{3000}//evil.com";
    rejects_no_break_space_then_double_slash: "\u{a0}//evil.com";
    rejects_byte_order_mark_then_double_slash: "\u{feff}//evil.com";
    rejects_line_separator_then_double_slash: "\u{2028}//evil.com";
    rejects_zero_width_space_then_double_slash: "\u{200b}//evil.com";
    rejects_next_line_control_then_double_slash: "\u{85}//evil.com";
    rejects_fullwidth_solidus_pair: "\u{ff0f}\u{ff0f}evil.com";
    rejects_division_slash_pair: "\u{2215}\u{2215}evil.com";
    rejects_fullwidth_reverse_solidus_pair: "\u{ff3c}\u{ff3c}evil.com";
}

// Percent-encoded tricks without a leading literal `/`; the value is decoded once already.
rejects! {
    rejects_encoded_double_slash: "%2F%2Fevil.com";
    rejects_lowercase_encoded_slash_then_slash: "%2f/evil.com";
    rejects_encoded_double_backslash: "%5C%5Cevil.com";
    rejects_encoded_nul_then_double_slash: "%00//evil.com";
    rejects_encoded_tab_then_double_slash: "%09//evil.com";
    rejects_encoded_newline_then_double_slash: "%0a//evil.com";
    rejects_encoded_scheme: "http%3A%2F%2Fevil.com";
}

// User-info.
rejects! {
    rejects_user_at_host: "//user@evil.com";
    rejects_user_password_at_host: "//user:pass@evil.com";
    rejects_absolute_url_with_credentials: "http://user:pass@evil.com/";
    rejects_bare_at_host: "@evil.com";
    rejects_user_at_host_without_slashes: "user@evil.com";
    rejects_own_host_as_user_info_of_backslash_url: "\\\\app.example@evil.com";
}

// Other schemes, including absolute URLs to ourselves (the default policy is paths only).
rejects! {
    rejects_upper_case_http_url: "HTTP://evil.com";
    rejects_http_single_slash: "http:/evil.com";
    rejects_file_url: "file:///etc/passwd";
    rejects_mailto: "mailto:x@evil.com";
    rejects_websocket_url: "ws://evil.com";
    rejects_vbscript_scheme: "vbscript:msgbox(1)";
    rejects_base64_data_url: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==";
    rejects_javascript_with_leading_space: " javascript:alert(1)";
    rejects_javascript_with_leading_tab: "\tjavascript:alert(1)";
    rejects_javascript_with_comment_newline: "javascript://%0aalert(1)";
    rejects_javascript_with_slashes: "javascript://evil.com/%0Aalert(1)";
    rejects_absolute_url_to_localhost: "http://localhost/dashboard";
}

// IP-literal and numeric hosts.
rejects! {
    rejects_scheme_relative_ipv6_loopback: "//[::1]/";
    rejects_absolute_ipv6_url: "http://[::1]/";
    rejects_ipv4_mapped_ipv6_host: "//[::ffff:127.0.0.1]";
    rejects_long_form_ipv6_with_port: "//[0:0:0:0:0:0:0:1]:8080/";
    rejects_scheme_relative_ipv4: "//127.0.0.1/";
    rejects_scheme_relative_decimal_ip: "//2130706433";
    rejects_scheme_relative_hex_ip: "//0x7f.1";
}

// Length: the limit is on bytes, and an accepted value must fit it once re-encoded too.
rejects! {
    rejects_2049_bytes_of_multibyte_characters: format!("/{}", "é".repeat(1024));
    rejects_very_long_path: format!("/{}", "a".repeat(100_000));
    rejects_2049_byte_path_with_query: format!("/a?{}", "b".repeat(2046));
    rejects_path_that_outgrows_the_limit_when_encoded: format!("/{}", "é".repeat(1000));
    rejects_spaces_that_outgrow_the_limit_when_encoded: format!("/{}", " x".repeat(1000));
}

// Found by the property test below: each broke an invariant before next.rs was fixed.
rejects! {
    // "/%2e//" -> "//": a dot segment left an empty first segment, i.e. a scheme-relative URL.
    regression_rejects_encoded_dot_segment_resolving_to_double_slash: "/%2e//";
    // 683 input bytes became 2053 once percent-encoded, which `safe_next` then refused.
    regression_rejects_value_whose_encoding_exceeds_2048_bytes: format!("/{}", "\u{e9}".repeat(342));
}

/// The other side of the re-encoding boundary: 2047 bytes once encoded still passes.
#[test]
fn accepts_value_whose_encoding_fits_2048_bytes() {
    let raw = format!("/{}", "\u{e9}".repeat(341));
    let out = "/".to_owned() + &"%C3%A9".repeat(341);
    assert_eq!(out.len(), 2047);
    assert_accepts(&raw, &out);
}

/// The accepted-length boundary: exactly 2048 bytes passes.
#[test]
fn accepts_2048_byte_path_unchanged() {
    let raw = format!("/{}", "a".repeat(2047));
    assert_eq!(raw.len(), 2048);
    assert_accepts(&raw, &raw);
}

// ---------------------------------------------------------------------------------------------
// docs/behaviour.md N10: accepted values, with the exact output.
accepts! {
    n_10_accepts_root: "/" => "/";
    n_10_accepts_plain_path: "/dashboard" => "/dashboard";
    n_10_accepts_url_in_query_unchanged: "/view/?param=http://evil.com" => "/view/?param=http://evil.com";
    n_10_accepts_query_and_fragment_unchanged: "/a/b?c=d&e=f#frag" => "/a/b?c=d&e=f#frag";
    n_10_accepts_encoded_slashes_as_path_characters: "/%2F%2Fevil.com" => "/%2F%2Fevil.com";
    n_10_accepts_non_ascii_percent_encoded: "/else/where/\u{091D}/" => "/else/where/%E0%A4%9D/";
}

// More accepted values: same-site paths that only look dangerous, and re-serialisation.
accepts! {
    accepts_encoded_backslash_as_path_character: "/%5Cevil.com" => "/%5Cevil.com";
    accepts_encoded_nul_as_path_characters: "/%00//evil.com" => "/%00//evil.com";
    accepts_encoded_tab_as_path_characters: "/%09/evil.com" => "/%09/evil.com";
    accepts_at_sign_in_path: "/@evil.com" => "/@evil.com";
    accepts_host_like_first_segment: "/evil.com" => "/evil.com";
    accepts_url_as_path: "/http://evil.com" => "/http://evil.com";
    accepts_javascript_as_path: "/javascript:alert(1)" => "/javascript:alert(1)";
    accepts_ipv6_literal_as_path: "/[::1]/" => "/[::1]/";
    accepts_double_slash_in_query: "/?next=//evil.com" => "/?next=//evil.com";
    accepts_double_slash_in_fragment: "/#//evil.com" => "/#//evil.com";
    accepts_double_slash_later_in_path: "/a//evil.com" => "/a//evil.com";
    accepts_dot_segment_collapsed: "/./evil" => "/evil";
    accepts_dot_dot_segment_clamped_at_root: "/../evil" => "/evil";
    accepts_dot_dot_segment_resolved: "/a/../b" => "/b";
    accepts_encoded_dot_dot_segment_resolved: "/%2e%2e/evil" => "/evil";
    accepts_ideographic_space_encoded: "/\u{3000}/evil.com" => "/%E3%80%80/evil.com";
    accepts_fullwidth_solidus_encoded: "/\u{ff0f}evil.com" => "/%EF%BC%8Fevil.com";
    accepts_zero_width_space_encoded: "/\u{200b}/evil.com" => "/%E2%80%8B/evil.com";
    accepts_space_in_path_encoded: "/a b" => "/a%20b";
    accepts_trailing_space_dropped: "/ok " => "/ok";
    accepts_space_in_query_encoded: "/?q=a b" => "/?q=a%20b";
    accepts_space_in_fragment_encoded: "/#a b" => "/#a%20b";
    accepts_non_ascii_query_encoded: "/search?q=\u{e9}" => "/search?q=%C3%A9";
    accepts_angle_brackets_in_query_encoded: "/search?q=<script>" => "/search?q=%3Cscript%3E";
    accepts_double_quotes_in_path_encoded: "/\"quoted\"" => "/%22quoted%22";
    accepts_lone_percent_unchanged: "/100%" => "/100%";
    accepts_already_encoded_value_not_decoded_again: "/a%252F" => "/a%252F";
    accepts_port_like_path: "/:80" => "/:80";
    accepts_empty_query_and_fragment: "/x?#" => "/x?#";
}

/// docs/behaviour.md N4: the policy holds whatever `Host` or forwarding headers the request
/// carries.
#[test]
fn decision_ignores_host_and_forwarding_headers() {
    let req = TestRequest::default()
        .insert_header((header::HOST, "app.example"))
        .insert_header(("X-Forwarded-Host", "evil.com"))
        .insert_header(("Forwarded", "host=evil.com;proto=https"))
        .to_http_request();
    assert_eq!(safe_next(&req, "https://app.example/"), None);
    assert_eq!(safe_next(&req, "http://app.example/dashboard"), None);
    assert_eq!(safe_next(&req, "//app.example/dashboard"), None);
    assert_eq!(safe_next(&req, "//evil.com/"), None);
    assert_eq!(safe_next(&req, "https://evil.com/"), None);
    assert_eq!(
        safe_next(&req, "/dashboard?tab=1").as_deref(),
        Some("/dashboard?tab=1")
    );
}

// ---------------------------------------------------------------------------------------------
// Property test over the validator's invariants (docs/behaviour.md N12).

/// Pieces that URL tricks are built from.
const PIECES: &[&str] = &[
    "/",
    "/",
    "/",
    "\\",
    "//",
    "///",
    ".",
    "..",
    "/./",
    "/../",
    "%2e",
    "%2E",
    "%2F",
    "%5C",
    "%00",
    "%",
    "http:",
    "https:",
    "javascript:",
    ":",
    "@",
    "?",
    "#",
    "&",
    "=",
    "[::1]",
    "evil.com",
    "a",
    "b",
    "\t",
    "\n",
    "\r",
    "\0",
    " ",
    "\u{3000}",
    "\u{a0}",
    "\u{ff0f}",
    "\u{e9}",
    "\u{091D}",
    "<",
    "\"",
    "`",
    "{",
    "|",
    "^",
    "'",
];

fn next_value() -> impl Strategy<Value = String> {
    let pieces = || prop::collection::vec(prop::sample::select(PIECES), 0..16);
    prop_oneof![
        any::<String>(),
        pieces().prop_map(|pieces| pieces.concat()),
        // Start with one `/`, the only start that can be accepted, so most cases probe past it.
        pieces().prop_map(|pieces| format!("/{}", pieces.concat())),
        // Near the 2048-byte limit, before and after re-encoding.
        (
            pieces(),
            prop::sample::select(&["a", " ", "\u{e9}", "%"][..]),
            500..2100usize
        )
            .prop_map(|(pieces, filler, n)| {
                let mut raw = format!("/{}", pieces.concat());
                while raw.len() < n {
                    raw.push_str(filler);
                }
                raw
            }),
    ]
}

/// Checks every invariant of an accepted value; `Err` names the broken one.
fn check_invariants(raw: &str) -> Result<(), String> {
    let Some(out) = safe_next(&request(), raw) else {
        return Ok(());
    };
    if !out.starts_with('/') {
        return Err(format!("{raw:?} -> {out:?} does not start with '/'"));
    }
    if out.starts_with("//") || out.starts_with("/\\") {
        return Err(format!("{raw:?} -> {out:?} is scheme-relative"));
    }
    if !out.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("{raw:?} -> {out:?} is not printable ASCII"));
    }
    let again = safe_next(&request(), &out);
    if again.as_deref() != Some(out.as_str()) {
        return Err(format!(
            "{raw:?} -> {out:?} -> {again:?}: not accepted again unchanged"
        ));
    }
    for base in [
        "https://app.example/",
        "http://app.example:8080/deep/path/page?x=1#y",
    ] {
        let base = Url::parse(base).expect("base URL parses");
        match base.join(&out) {
            Ok(joined) if joined.origin() == base.origin() => {}
            Ok(joined) => {
                return Err(format!("{raw:?} -> {out:?} leaves {base} for {joined}"));
            }
            Err(error) => {
                return Err(format!(
                    "{raw:?} -> {out:?} does not join onto {base}: {error}"
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // `PROPTEST_CASES=1000000` for a deeper run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(4096),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn accepted_values_are_same_origin_printable_and_idempotent(raw in next_value()) {
        if let Err(broken) = check_invariants(&raw) {
            prop_assert!(false, "{}", broken);
        }
    }
}

/// Inputs that break the invariants in ways a property test found (or that sit right on them),
/// kept as named cases so they are checked on every run.
#[test]
fn invariants_hold_for_known_edge_cases() {
    for raw in [
        "/%2e//",
        "/.//evil.com",
        "/%2e%2e//evil.com",
        "/ ",
        "/ok ",
        "/%",
        "/%%2e",
        "/.%2e/.%2e//x",
        "/?#",
        "/#\u{3000}",
    ] {
        if let Err(broken) = check_invariants(raw) {
            panic!("{broken}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `login_url` and `make_next_param` (docs/behaviour.md B11–B13, B37, B38, N14).

/// Every `(key, value)` in `url`'s query, form-decoded.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let query = query.split_once('#').map_or(query, |(query, _)| query);
    form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

/// The values of every `field` parameter in `url`.
fn params(url: &str, field: &str) -> Vec<String> {
    query_pairs(url)
        .into_iter()
        .filter(|(key, _)| key == field)
        .map(|(_, value)| value)
        .collect()
}

#[test]
fn b_37_login_url_strips_same_host() {
    assert_eq!(
        login_url("/login", Some("http://localhost/protected"), "next"),
        "/login?next=%2Fprotected"
    );
}

#[test]
fn b_37_login_url_custom_next_field() {
    assert_eq!(
        login_url("/login", Some("http://localhost/protected"), "n"),
        "/login?n=%2Fprotected"
    );
}

#[test]
fn b_37_login_url_without_next_is_the_view() {
    assert_eq!(login_url("/foo", None, "next"), "/foo");
}

#[test]
fn b_38_make_next_param_strips_same_host() {
    assert_eq!(
        make_next_param("/login", "http://localhost/profile"),
        "/profile"
    );
}

#[test]
fn b_38_make_next_param_keeps_other_scheme_whole() {
    assert_eq!(
        make_next_param("https://localhost/login", "http://localhost/profile"),
        "http://localhost/profile"
    );
}

#[test]
fn b_38_make_next_param_keeps_other_host_whole() {
    assert_eq!(
        make_next_param("http://auth.example/login", "http://localhost/profile"),
        "http://localhost/profile"
    );
}

#[test]
fn make_next_param_keeps_other_port_whole() {
    assert_eq!(
        make_next_param("http://localhost:8080/login", "http://localhost/profile"),
        "http://localhost/profile"
    );
}

#[test]
fn make_next_param_strips_same_absolute_origin_keeping_query() {
    assert_eq!(
        make_next_param("http://localhost/login", "http://localhost/profile?tab=2"),
        "/profile?tab=2"
    );
}

/// As Python's `urlsplit`: a scheme starts with a letter and holds only letters, digits, `+`,
/// `-` and `.`; anything else before the colon is path, so the value is not split into an
/// origin to strip, and comes back whole.
#[test]
fn make_next_param_splits_only_on_a_real_scheme() {
    for current in [
        "1x://localhost/profile",
        "a b://localhost/profile",
        "-x://localhost/p",
    ] {
        assert_eq!(make_next_param("/login", current), current, "{current}");
    }
    assert_eq!(
        make_next_param("/login", "x1+.-://localhost/profile"),
        "/profile",
        "control: a scheme of every allowed kind of character"
    );
}

#[test]
fn make_next_param_drops_fragment_when_stripping() {
    assert_eq!(
        make_next_param("/login", "http://localhost/profile?tab=2#top"),
        "/profile?tab=2"
    );
}

#[test]
fn make_next_param_keeps_a_path_and_query() {
    assert_eq!(
        make_next_param("/login", "/secret?a=1&b=2"),
        "/secret?a=1&b=2"
    );
}

#[test]
fn make_next_param_never_yields_a_host_for_a_relative_login_view() {
    // A request path like `//evil.com/x` reads as an authority; the host must not survive.
    let next = make_next_param("/login", "//evil.com/x");
    assert!(!next.contains("evil.com"), "{next:?}");
}

#[test]
fn b_12_login_url_keeps_existing_query() {
    assert_eq!(
        login_url("/login?x=1", Some("/secret"), "next"),
        "/login?x=1&next=%2Fsecret"
    );
}

#[test]
fn b_12_login_url_replaces_existing_next_in_place() {
    assert_eq!(
        login_url("/login?next=%2Fold&x=1", Some("/secret"), "next"),
        "/login?next=%2Fsecret&x=1"
    );
}

#[test]
fn b_12_login_url_replaces_repeated_next_once() {
    let url = login_url("/login?x=1&next=a&y=2&next=b", Some("/secret"), "next");
    assert_eq!(url, "/login?x=1&next=%2Fsecret&y=2");
}

#[test]
fn b_12_login_url_replaces_only_the_configured_field() {
    let url = login_url("/login?next=keep&n=old", Some("/secret"), "n");
    assert_eq!(url, "/login?next=keep&n=%2Fsecret");
}

#[test]
fn login_url_keeps_existing_query_verbatim() {
    assert_eq!(
        login_url("/login?flag&x=a+b&y=%7E", Some("/secret"), "next"),
        "/login?flag&x=a+b&y=%7E&next=%2Fsecret"
    );
}

#[test]
fn login_url_keeps_view_fragment_after_query() {
    assert_eq!(
        login_url("/login#form", Some("/secret"), "next"),
        "/login?next=%2Fsecret#form"
    );
}

#[test]
fn login_url_absolute_view_on_other_host_gets_full_next() {
    assert_eq!(
        login_url(
            "https://auth.example/login",
            Some("http://localhost/p?a=1#frag"),
            "next"
        ),
        "https://auth.example/login?next=http%3A%2F%2Flocalhost%2Fp%3Fa%3D1%23frag"
    );
}

#[test]
fn login_url_encodes_slash_question_mark_and_ampersand() {
    let url = login_url("/login", Some("/a/b?c=d&e=f"), "next");
    assert_eq!(url, "/login?next=%2Fa%2Fb%3Fc%3Dd%26e%3Df");
    assert_eq!(params(&url, "next"), ["/a/b?c=d&e=f"]);
    assert_eq!(query_pairs(&url).len(), 1, "{url}");
}

#[test]
fn login_url_encodes_space_and_non_ascii() {
    let url = login_url("/login", Some("/caf\u{e9} menu?q=\u{091D} x"), "next");
    assert_eq!(url, "/login?next=%2Fcaf%C3%A9+menu%3Fq%3D%E0%A4%9D+x");
    assert_eq!(params(&url, "next"), ["/caf\u{e9} menu?q=\u{091D} x"]);
}

#[test]
fn login_url_encodes_hash_and_percent() {
    // A fragment is dropped for a same-site next (as Flask-Login); `#` and `%` inside the
    // path or query still reach the login view as one `next`.
    let url = login_url("/login", Some("/a%23b?c=%26#frag"), "next");
    assert_eq!(url, "/login?next=%2Fa%2523b%3Fc%3D%2526");
    assert_eq!(params(&url, "next"), ["/a%23b?c=%26"]);
}

#[test]
fn login_url_encodes_custom_field_name() {
    let url = login_url("/login?x=1", Some("/secret"), "go to");
    assert_eq!(url, "/login?x=1&go+to=%2Fsecret");
    assert_eq!(params(&url, "go to"), ["/secret"]);
}

#[test]
fn login_url_with_next_injection_yields_one_next() {
    for next in [
        "/a?next=//evil.com",
        "/a&next=//evil.com",
        "/a#&next=//evil.com",
        "/a?b=1&next=%2F%2Fevil.com",
        "/a?next=//evil.com&next=//evil.com",
    ] {
        let url = login_url("/login?next=old", Some(next), "next");
        let nexts = params(&url, "next");
        assert_eq!(nexts.len(), 1, "{next:?} -> {url:?}");
        assert_eq!(
            nexts[0],
            make_next_param("/login", next),
            "{next:?} -> {url:?}"
        );
        assert!(
            url.bytes().all(|b| b.is_ascii_graphic()),
            "{next:?} -> {url:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1024),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn login_url_yields_exactly_one_printable_next(
        view in prop::sample::select(&["/login", "/login?next=old", "/login?a=1&next=x&next=y#f", "https://auth.example/login"][..]),
        next in next_value(),
    ) {
        let url = login_url(view, Some(&next), "next");
        prop_assert!(url.bytes().all(|b| b.is_ascii_graphic()), "{:?} -> {:?}", next, url);
        prop_assert_eq!(params(&url, "next"), [make_next_param(view, &next)]);
    }
}

// ---------------------------------------------------------------------------------------------
// The unauthorized redirect builds `next` from the path and query only (docs/behaviour.md N11).

#[derive(Clone, UserMixin)]
struct User {
    id: u64,
}

#[user_loader]
async fn load_user(id: u64) -> Option<User> {
    (id == 1).then_some(User { id })
}

#[get("/secret")]
#[login_required]
async fn secret(user: CurrentUser<User>) -> String {
    format!("{:?}", user.get_id())
}

async fn location_for(req: TestRequest) -> String {
    let app = init_service(
        App::new()
            .wrap(LoginManager::<User>::new().login_view("/login"))
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            ))
            .service(secret)
            .default_service(web::to(|| async { "fallback" })),
    )
    .await;
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), 302);
    res.headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("an ASCII Location")
        .to_owned()
}

#[actix_rt::test]
async fn unauthorized_next_ignores_host_and_forwarding_headers() {
    let location = location_for(
        TestRequest::get()
            .uri("/secret")
            .insert_header((header::HOST, "evil.com"))
            .insert_header(("X-Forwarded-Host", "evil.com"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("Forwarded", "host=evil.com;proto=https")),
    )
    .await;
    assert_eq!(location, "/login?next=%2Fsecret");
}

#[actix_rt::test]
async fn unauthorized_next_encodes_query_into_one_next() {
    let location =
        location_for(TestRequest::get().uri("/secret?a=1&next=%2F%2Fevil.com&b=x+y")).await;
    assert_eq!(
        location,
        "/login?next=%2Fsecret%3Fa%3D1%26next%3D%252F%252Fevil.com%26b%3Dx%2By"
    );
    assert_eq!(
        params(&location, "next"),
        ["/secret?a=1&next=%2F%2Fevil.com&b=x+y"]
    );
}

// `safe_next_with`: the allow-list of other origins (docs/behaviour.md N7). The same refusals as
// `safe_next` apply to an allowed origin's URLs, each pinned on its own.

const ALLOWED: &[&str] = &["https://docs.example", "http://localhost:3000"];

#[test]
fn n_07_allowed_origins_are_accepted_exactly() {
    let req = request();
    for (raw, expected) in [
        ("https://docs.example/a?b=c", "https://docs.example/a?b=c"),
        ("https://docs.example", "https://docs.example/"),
        ("http://localhost:3000/x", "http://localhost:3000/x"),
        ("/local", "/local"),
    ] {
        assert_eq!(
            safe_next_with(&req, raw, ALLOWED).as_deref(),
            Some(expected),
            "{raw}"
        );
    }
}

#[test]
fn n_07_other_origins_and_lookalikes_are_refused() {
    let req = request();
    for raw in [
        "https://docs.example.evil/",
        "https://evil.example/",
        "http://docs.example/",       // another scheme
        "https://docs.example:8443/", // another port
        "http://localhost:3001/",
        "ftp://docs.example/",
        "javascript:alert(1)",
    ] {
        assert_eq!(safe_next_with(&req, raw, ALLOWED), None, "{raw}");
    }
}

#[test]
fn n_07_an_allowed_origin_with_user_info_is_refused() {
    let req = request();
    for raw in [
        "https://user@docs.example/",
        "https://user:pw@docs.example/",
    ] {
        assert_eq!(safe_next_with(&req, raw, ALLOWED), None, "{raw}");
    }
}

#[test]
fn n_07_backslashes_and_control_characters_are_refused_on_allowed_origins() {
    let req = request();
    for raw in [
        "https://docs.example/a\\b",
        "https://docs.example\\@evil.example/",
        "https://docs.example/\t",
        "https://docs.example/a\nb",
        "https://docs.example/\u{7f}",
    ] {
        assert_eq!(safe_next_with(&req, raw, ALLOWED), None, "{raw:?}");
    }
}

#[test]
fn n_07_length_limit_applies_on_both_sides_of_it() {
    let req = request();
    let prefix = "https://docs.example/";
    let fits = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));
    assert_eq!(
        safe_next_with(&req, &fits, ALLOWED).as_deref(),
        Some(fits.as_str())
    );
    let over = format!("{fits}a");
    assert_eq!(safe_next_with(&req, &over, ALLOWED), None, "2049 bytes");
    // Short enough raw, too long once percent-encoded.
    let grows = format!("{prefix}{}", "é".repeat(700));
    assert!(grows.len() <= 2048);
    assert_eq!(
        safe_next_with(&req, &grows, ALLOWED),
        None,
        "encoded past 2048 bytes"
    );
}

#[test]
fn n_07_an_entry_that_is_not_an_origin_matches_nothing() {
    let req = request();
    let allowed = ["docs.example", "not a url"];
    assert_eq!(
        safe_next_with(&req, "https://docs.example/", &allowed),
        None
    );
}
