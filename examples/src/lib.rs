//! Example apps for login-runtime.
//!
//! Each app is a library module, so its integration test drives exactly the `App` its binary
//! serves; the binaries are thin `main`s:
//!
//! - [`app`]: the complete example (SQLite accounts, roles, remember-me, fresh logins,
//!   throttling, Redis for several instances): `cargo run -p login-runtime-examples --example app`;
//! - [`api`]: a JSON API on the app's accounts, with bearer tokens through `#[request_loader]`:
//!   `cargo run -p login-runtime-examples --example api`;
//! - [`basic`]: Flask-Login's quickstart, minimal: `cargo run -p login-runtime-examples --example basic`.

pub mod api;
pub mod app;
pub mod basic;
