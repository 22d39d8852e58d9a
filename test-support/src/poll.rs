//! The one polling helper: wait for something asynchronous (an event handled, a revocation seen) to
//! happen, failing the test with its name when it does not.

use std::time::Duration;

/// How often [`eventually`] checks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Runs `check` every [`POLL_INTERVAL`] until it returns `Some`, and returns that value; panics naming
/// `what` when `timeout` passes first. `check` always runs at least once, and once more at the deadline.
pub async fn eventually<T>(
    timeout: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            panic!("{what}: did not happen within {timeout:?}");
        }
        tokio::time::sleep(POLL_INTERVAL.min(deadline - now)).await;
    }
}
