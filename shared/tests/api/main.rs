//! Integration tests of the shared crate against real servers (Redis at `REDIS_URL`).

// A plain `cfg(test)` lets clippy's allow-unwrap-in-tests cover the helpers too, not just `#[test]` fns;
// each module gates itself on the feature it needs.
#[cfg(test)]
mod events;
