//! Placeholder for the guard benchmark.

fn main() {}
