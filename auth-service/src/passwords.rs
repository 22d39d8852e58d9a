//! bcrypt hashing on the blocking pool, and a dummy hash so unknown e-mails cost the same time as wrong
//! passwords.

use anyhow::Context;
use tracing::Instrument;

/// Runs a CPU-heavy closure on the blocking pool, inside the caller's tracing span.
async fn spawn_blocking_in_span<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .instrument(tracing::Span::current())
        .await
        .context("blocking task failed")
}

/// Hashes a password with the configured cost.
pub async fn hash(password: String, cost: u32) -> anyhow::Result<String> {
    spawn_blocking_in_span(move || bcrypt::hash(password, cost))
        .await?
        .context("hashing the password")
}

/// Checks a password against a stored hash; a malformed hash counts as a mismatch.
pub async fn verify(password: String, hash: String) -> anyhow::Result<bool> {
    spawn_blocking_in_span(move || bcrypt::verify(password, &hash).unwrap_or(false)).await
}

/// A hash of a random password with the service's cost, compared against when the e-mail is unknown.
pub async fn dummy_hash(cost: u32) -> anyhow::Result<String> {
    let random = crate::tokens::secrets::random_token()?;
    hash(random, cost).await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let h = super::hash("correct horse 1".into(), 4).await.unwrap();
        assert!(
            super::verify("correct horse 1".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(!super::verify("wrong horse 1".into(), h).await.unwrap());
        assert!(
            !super::verify("x".into(), "not-a-hash".into())
                .await
                .unwrap()
        );
    }
}
