//! `safe_next` on any input: never panics, and what it accepts keeps the invariants of
//! docs/behaviour.md N12.
#![no_main]

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use login_runtime::safe_next;

fuzz_target!(|raw: &str| {
    let req = TestRequest::default().to_http_request();
    if let Some(next) = safe_next(&req, raw) {
        assert!(next.starts_with('/'), "{raw:?} -> {next:?}");
        assert!(
            !next.starts_with("//") && !next.starts_with("/\\"),
            "{raw:?} -> {next:?}"
        );
        assert!(
            next.bytes().all(|b| b.is_ascii_graphic()),
            "{raw:?} -> {next:?}"
        );
        assert_eq!(
            safe_next(&req, &next).as_deref(),
            Some(next.as_str()),
            "not idempotent: {raw:?}"
        );
    }
});
