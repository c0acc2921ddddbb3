//! Example apps for login-runtime.
