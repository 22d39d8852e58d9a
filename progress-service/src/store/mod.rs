//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod enrolments;
mod progress;

use anyhow::Context;
use mongodb::Database;
use mongodb::bson::{DateTime as BsonDateTime, oid::ObjectId};

pub use enrolments::EnrolmentStore;
pub use progress::ProgressStore;
pub use shared::outbox::OutboxStore;

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub progress: ProgressStore,
    pub enrolments: EnrolmentStore,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            progress: ProgressStore::new(&db),
            enrolments: EnrolmentStore::new(&db),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> anyhow::Result<()> {
        self.progress
            .ensure_indexes()
            .await
            .context("creating progress indexes")?;
        self.enrolments
            .ensure_indexes()
            .await
            .context("creating enrolments indexes")?;
        self.outbox
            .ensure_indexes()
            .await
            .context("creating outbox indexes")?;
        Ok(())
    }
}

/// The current time at the precision the store keeps (milliseconds), so what a handler answers from
/// memory equals what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    to_chrono(BsonDateTime::now())
}

/// Converts a BSON time to chrono.
fn to_chrono(t: BsonDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

/// Converts a chrono time to BSON.
fn to_bson(t: chrono::DateTime<chrono::Utc>) -> BsonDateTime {
    BsonDateTime::from_millis(t.timestamp_millis())
}

/// Parses an ObjectId hex string; `None` for anything malformed.
pub fn object_id(id: &str) -> Option<ObjectId> {
    ObjectId::parse_str(id).ok()
}

/// Whether a MongoDB error is a duplicate-key violation (code 11000), however the driver wraps it.
pub fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == 11000,
        ErrorKind::Command(e) => e.code == 11000,
        ErrorKind::InsertMany(e) => e
            .write_errors
            .as_ref()
            .is_some_and(|errs| errs.iter().any(|w| w.code == 11000)),
        _ => false,
    }
}
