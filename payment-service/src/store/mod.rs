//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod purchases;
mod stripe_events;

use mongodb::Database;
use shared::stores::{IndexError, ensure_indexes};

pub use purchases::{NewPurchase, Purchase, PurchaseFilter, PurchaseStore, TransitionOutcome};
pub use shared::outbox::OutboxStore;
pub use stripe_events::StripeEventStore;

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub purchases: PurchaseStore,
    pub stripe_events: StripeEventStore,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            purchases: PurchaseStore::new(&db),
            stripe_events: StripeEventStore::new(&db),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> Result<(), IndexError> {
        ensure_indexes([
            self.purchases.indexes(),
            self.stripe_events.indexes(),
            self.outbox.indexes(),
        ])
        .await
    }
}

pub use shared::stores::{is_duplicate_key, object_id};
