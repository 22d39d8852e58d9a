//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod enrolments;
mod progress;

use mongodb::Database;
use shared::processed::ProcessedEvents;
use shared::stores::{IndexError, ensure_indexes};

pub use progress::ProgressStore;
pub use shared::enrolments::EnrolmentStore;
pub use shared::outbox::OutboxStore;

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub progress: ProgressStore,
    pub enrolments: EnrolmentStore,
    /// The ids of the events the consumer has applied.
    pub processed: ProcessedEvents,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            progress: ProgressStore::new(&db),
            enrolments: EnrolmentStore::new(&db, &enrolments::LAYOUT),
            processed: ProcessedEvents::new(&db, "processedAt", "processed_ttl"),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> Result<(), IndexError> {
        ensure_indexes([
            self.progress.indexes(),
            self.enrolments.indexes(),
            self.processed.indexes(),
            self.outbox.indexes(),
        ])
        .await
    }
}

pub use shared::stores::{is_duplicate_key, now, object_id};
