//! Behaviour tests: each drives a real actix `App` and asserts what a user would notice.
//! Tests named `b_NN_*` pin entry BNN of `docs/behaviour.md` (`b_08_*` is B8); tests named
//! after a security id (`s3_*`, `r4_*`, `c2_*`, `p1_*`) pin that entry of the same file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod attacks;
mod bad_input;
mod csrf;
mod events;
mod guards;
mod loader_errors;
mod login_state;
mod misconfig;
mod mixins;
mod passwords;
mod permissions;
mod protection;
mod remember;
mod request_loader;
mod review_attacks;
mod revocations;
mod security;
mod testkit;
mod throttle;
mod timeouts;
mod unauthorized;
