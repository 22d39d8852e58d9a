//! `stripe_events`: the ids of the Stripe events already processed (the `_id`, so unique by construction),
//! kept 30 days (Stripe retries a delivery for up to three).

use std::time::Duration;

use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use shared::stores::{Indexes, is_duplicate_key, ttl_index};

const KEEP: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Serialize, Deserialize)]
struct EventDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "type")]
    kind: String,
    at: BsonDateTime,
}

/// Typed access to `stripe_events`.
#[derive(Clone)]
pub struct StripeEventStore {
    coll: Collection<EventDoc>,
}

impl StripeEventStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("stripe_events"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(&self.coll, vec![ttl_index("at", "at_ttl", KEEP)])
    }

    /// Whether the event was processed already.
    pub async fn was_processed(&self, id: &str) -> mongodb::error::Result<bool> {
        Ok(self.coll.find_one(doc! { "_id": id }).await?.is_some())
    }

    /// Records the event as processed; a concurrent duplicate that got here first is fine.
    pub async fn mark_processed(&self, id: &str, kind: &str) -> mongodb::error::Result<()> {
        let doc = EventDoc {
            id: id.to_owned(),
            kind: kind.to_owned(),
            at: BsonDateTime::now(),
        };
        match self.coll.insert_one(doc).await {
            Err(e) if !is_duplicate_key(&e) => Err(e),
            _ => Ok(()),
        }
    }

    /// How many events were processed (tests).
    pub async fn count(&self) -> mongodb::error::Result<u64> {
        self.coll.count_documents(doc! {}).await
    }
}
