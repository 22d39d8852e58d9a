//! The one `AppState` shared by every handler.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use shared::jwks::{JwkSet, Verifier, VerifierConfig};
use shared::media::LocalDiskStore;
use shared::service::ServiceKit;

use crate::config::Settings;
use crate::mail::Mailer;
use crate::passwords;
use crate::revocations::Revocations;
use crate::sso::Sso;
use crate::store::Store;
use crate::tokens::{KeyRing, TokenIssuer};

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub tokens: TokenIssuer,
    pub revocations: Revocations,
    pub mailer: Mailer,
    /// Single sign-on: providers, discovery cache, flow state.
    pub sso: Sso,
    pub media: Arc<LocalDiskStore>,
    /// Compared against when an e-mail is unknown, so sign-in takes the same time either way.
    pub dummy_hash: Arc<str>,
    /// Wakes the outbox relay when an event was written.
    pub outbox_notify: Arc<tokio::sync::Notify>,
    /// The start-up work on MongoDB (indexes, signing key, admin) is done (`startup::prepare`).
    pub prepared: Arc<AtomicBool>,
}

impl AppState {
    /// Everything a handler needs, on the kit's lazy database and Redis (neither is touched yet).
    pub async fn new(kit: &ServiceKit, settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let store = Store::new(kit.db());
        let verifier_config = VerifierConfig {
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway_secs: 5,
        };
        let tokens = TokenIssuer {
            verifier: Verifier::from_keys(JwkSet::default(), verifier_config),
            keys: KeyRing::empty(),
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: settings.access_ttl,
            key_store: store.signing_keys.clone(),
            last_reload_ms: Arc::default(),
        };
        let media =
            LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
        let prefix = settings.service.redis_prefix.clone();
        Ok(Self {
            sso: Sso::new(&settings.sso, kit.redis(), &prefix)
                .context("preparing single sign-on")?,
            revocations: Revocations::new(kit.redis(), prefix, settings.access_ttl),
            mailer: Mailer::new(&settings.smtp)?,
            media: Arc::new(media),
            dummy_hash: passwords::dummy_hash(settings.bcrypt_cost).await?.into(),
            outbox_notify: Arc::default(),
            prepared: kit.startup_done(),
            store,
            tokens,
            settings,
        })
    }

    /// Refuses every token the user holds now: advances the stored "not before" (at least to the next
    /// whole second, so tokens issued earlier in this second fall too) and mirrors it to Redis for the
    /// gateway. Tokens issued afterwards carry it as their `iat` and stay valid. It lives on the state, not
    /// in `revocations`, because it joins the user store and Redis; `revocations` stays below the state.
    pub async fn revoke_all_tokens(&self, user_id: &str) -> anyhow::Result<i64> {
        let at_least = chrono::Utc::now().timestamp() + 1;
        let not_before = self
            .store
            .users
            .advance_not_before(user_id, at_least)
            .await?
            .unwrap_or(at_least);
        self.revocations.revoke_user(user_id, not_before).await?;
        Ok(not_before)
    }
}
