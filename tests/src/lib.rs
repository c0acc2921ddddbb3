//! Fixtures shared by the behaviour tests: the spec's users, an app that exposes every
//! library function through a route, a cookie-carrying test client, an in-memory session store
//! and a log capture.
//!
//! Fixture users follow `spec/flask-login-behaviors.md`: `notch` (id 1), `steve` (id 2) and
//! `creeper` (id 3, inactive).

pub mod app;
pub mod client;
pub mod logs;
pub mod memory_store;

pub use app::{Store, User, app_with, default_app, remember_me, routes, session_middleware};
pub use client::{Client, Reply};
