//! Example apps for login-runtime.
//!
//! Each app is a library module, so its integration test drives exactly the `App` its binary
//! serves; the binaries are thin `main`s (`cargo run -p login-runtime-examples --example basic`).

pub mod basic;
