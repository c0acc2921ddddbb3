//! Behaviour tests: each drives a real actix `App` and asserts what a user would notice.
//! Tests named `spec_NN_*` pin line NN of `spec/flask-login-behaviors.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod events;
mod guards;
mod login_state;
mod misconfig;
mod mixins;
mod protection;
mod remember;
mod request_loader;
mod security;
mod testkit;
mod timeouts;
mod unauthorized;
