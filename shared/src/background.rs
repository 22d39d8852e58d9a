//! Start-up work a service retries in the background until it succeeds (indexes, a signing key, the first
//! admin), so that the service binds and answers `/healthz` while MongoDB is still down; `/readyz` reports
//! it missing until then.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Pause between two attempts.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// Runs `attempt` until it succeeds (`true`) or `shutdown` changes (`false`); each failure is logged once as
/// a warning naming `what`.
pub async fn retry_until_done<F, Fut, E>(
    what: &'static str,
    mut shutdown: watch::Receiver<bool>,
    mut attempt: F,
) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    // `{:#}`: an `anyhow::Error` prints its whole chain of causes.
    E: std::fmt::Display,
{
    loop {
        match attempt().await {
            Ok(()) => {
                tracing::debug!(task = what, "start-up task done");
                return true;
            }
            Err(e) => {
                tracing::warn!(task = what, error = %format_args!("{e:#}"), "start-up task failed; retrying");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY_INTERVAL) => {}
            _ = shutdown.changed() => return false,
        }
    }
}
