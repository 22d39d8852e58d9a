//! The one `AppState` shared by every handler.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use shared::media::LocalDiskStore;

use crate::config::Settings;
use crate::mail::Mailer;
use crate::revocations::Revocations;
use crate::store::Store;
use crate::tokens::TokenIssuer;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub tokens: TokenIssuer,
    pub revocations: Revocations,
    pub mailer: Mailer,
    pub media: Arc<LocalDiskStore>,
    /// Compared against when an e-mail is unknown, so sign-in takes the same time either way.
    pub dummy_hash: Arc<str>,
    /// Wakes the outbox relay when an event was written.
    pub outbox_notify: Arc<tokio::sync::Notify>,
    /// The start-up work on MongoDB (indexes, signing key, admin) is done (`startup::prepare`).
    pub prepared: Arc<AtomicBool>,
}
