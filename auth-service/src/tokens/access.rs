//! Access tokens: EdDSA JWTs with `kid` and `typ: at+jwt`, and their verification inside auth-service.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use shared::claims::{ACCESS_TOKEN_TYP, AccessClaims, Role};
use shared::jwks::{TokenError, Verifier};

use super::KeyRing;
use crate::store::SigningKeyStore;

/// Least time between two key reloads triggered by tokens with an unknown `kid`.
const UNKNOWN_KID_RELOAD_MS: i64 = 5_000;

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub claims: AccessClaims,
    pub expires_in: u64,
}

/// Issues and verifies access tokens with the service's own keys.
#[derive(Clone)]
pub struct TokenIssuer {
    pub keys: KeyRing,
    pub verifier: Verifier,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
    /// Where the keys live, to pick up a rotation made elsewhere.
    pub key_store: SigningKeyStore,
    /// When keys were last reloaded for an unknown `kid` (ms since the epoch).
    pub last_reload_ms: Arc<AtomicI64>,
}

/// Who a token is for.
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub role: Role,
    /// Tokens must not predate the user's "not before", even when issued in the same second.
    pub not_before: Option<i64>,
    pub session_id: Option<&'a str>,
    pub api_key_id: Option<&'a str>,
}

impl TokenIssuer {
    /// Signs a token for `subject` living `ttl` (the default lifetime when `None`).
    pub fn issue(
        &self,
        subject: Subject<'_>,
        ttl: Option<Duration>,
    ) -> anyhow::Result<AccessToken> {
        let ttl = ttl.unwrap_or(self.ttl);
        let now = chrono::Utc::now().timestamp();
        let iat = now.max(subject.not_before.unwrap_or(i64::MIN));
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = AccessClaims {
            sub: subject.user_id.to_owned(),
            role: subject.role,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            iat,
            exp: now + ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sid: subject.session_id.map(str::to_owned),
            akid: subject.api_key_id.map(str::to_owned),
        };
        let (kid, key) = self.keys.signer()?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid);
        header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &key)?;
        Ok(AccessToken {
            token,
            claims,
            expires_in: ttl.as_secs(),
        })
    }

    /// Verifies signature, algorithm, type, issuer, audience and expiry. A token signed by a key this replica
    /// has not loaded yet (rotated by the CLI or another replica) triggers one throttled reload.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        match self.verifier.verify(token).await {
            Err(TokenError::UnknownKey) if self.claim_reload_slot() => {
                if let Err(e) = self.reload_keys().await {
                    tracing::warn!(error = %e, "reloading signing keys for an unknown kid failed");
                }
                self.verifier.verify(token).await
            }
            other => other,
        }
    }

    /// Picks up keys rotated by the CLI or another replica every 15 s until `shutdown`, so this replica
    /// signs with the newest key and serves the full key set.
    pub async fn reload_until_stopped(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
                _ = shutdown.changed() => return,
            }
            match self.reload_keys().await {
                Ok(true) => tracing::info!("signing keys reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "reloading signing keys failed"),
            }
        }
    }

    /// Re-reads the live keys and hands a changed key set to the verifier.
    pub async fn reload_keys(&self) -> anyhow::Result<bool> {
        let Some(jwks) = self.keys.reload(&self.key_store).await? else {
            return Ok(false);
        };
        self.verifier.replace_keys(jwks);
        Ok(true)
    }

    fn claim_reload_slot(&self) -> bool {
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.last_reload_ms.load(Ordering::Relaxed);
        now - last >= UNKNOWN_KID_RELOAD_MS
            && self
                .last_reload_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

pub use Subject as TokenSubject;
