//! Compile-error tests: every misuse of the macros and runtime types, one file each under
//! `ui/fail/` with the blessed error beside it, and the tricky-but-valid inputs under `ui/pass/`.
//!
//! Bless after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p login-runtime-tests --test ui`, then read every `.stderr`
//! as a user would.

// rustc's wording and spans change between releases; the `.stderr` files are blessed on this
// toolchain, so another one skips the suite instead of failing on drift.
#[rustversion::attr(not(stable(1.95)), ignore)]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
