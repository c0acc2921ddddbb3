//! Id parsing on any input: never panics, and accepts only the canonical form
//! (docs/behaviour.md L3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use login_runtime::__private::parse_canonical_id;

fuzz_target!(|raw: &str| {
    if let Some(id) = parse_canonical_id::<i64>(raw) {
        assert_eq!(id.to_string(), raw);
    }
    if let Some(id) = parse_canonical_id::<u8>(raw) {
        assert_eq!(id.to_string(), raw);
    }
});
