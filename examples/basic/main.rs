//! Placeholder for the `basic` demo app.

fn main() {}
