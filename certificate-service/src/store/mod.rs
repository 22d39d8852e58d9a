//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod certificates;
mod counters;
mod issuer_keys;

use mongodb::Database;
use shared::processed::ProcessedEvents;
use shared::stores::{IndexError, ensure_indexes};

pub use certificates::{Certificate, CertificateStore};
pub use counters::CounterStore;
pub use issuer_keys::{IssuerKeyRecord, IssuerKeyStore};
pub use shared::stores::object_id;

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub certificates: CertificateStore,
    pub counters: CounterStore,
    pub issuer_keys: IssuerKeyStore,
    pub processed: ProcessedEvents,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            certificates: CertificateStore::new(&db),
            counters: CounterStore::new(&db),
            issuer_keys: IssuerKeyStore::new(&db),
            processed: ProcessedEvents::new(&db, "processedAt", "processed_at_ttl"),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> Result<(), IndexError> {
        ensure_indexes([
            self.certificates.indexes(),
            self.issuer_keys.indexes(),
            self.processed.indexes(),
        ])
        .await
    }
}
