//! `processed_events`: the ids of the events a consumer has applied. Every consumer checks it first and
//! records an event after applying it, so a redelivered or replayed event changes nothing (consumers are
//! idempotent by event id). Ids are kept 30 days, far beyond any redelivery.

use std::time::Duration;

use mongodb::bson::{DateTime as BsonDateTime, Document, doc};
use mongodb::{Collection, Database};

use crate::stores::{Indexes, is_duplicate_key, ttl_index};

const KEEP: Duration = Duration::from_secs(30 * 24 * 3600);

/// Typed access to `processed_events`.
#[derive(Clone)]
pub struct ProcessedEvents {
    coll: Collection<Document>,
    at: &'static str,
    ttl: &'static str,
}

impl ProcessedEvents {
    /// `at` is the field that holds when an event was applied and `ttl` the name of its TTL index: the
    /// services named them differently before this store was shared, and deployed databases keep them.
    pub fn new(db: &Database, at: &'static str, ttl: &'static str) -> Self {
        Self {
            coll: db.collection("processed_events"),
            at,
            ttl,
        }
    }

    /// The TTL index that forgets old ids.
    pub fn indexes(&self) -> Indexes {
        Indexes::on(&self.coll, vec![ttl_index(self.at, self.ttl, KEEP)])
    }

    /// Whether an event was applied already.
    pub async fn was_processed(&self, event_id: &str) -> mongodb::error::Result<bool> {
        Ok(self
            .coll
            .find_one(doc! { "_id": event_id })
            .await?
            .is_some())
    }

    /// Records an event as applied; a concurrent delivery that got here first is fine.
    pub async fn mark_processed(&self, event_id: &str) -> mongodb::error::Result<()> {
        let doc = doc! { "_id": event_id, self.at: BsonDateTime::now() };
        match self.coll.insert_one(doc).await {
            Err(e) if !is_duplicate_key(&e) => Err(e),
            _ => Ok(()),
        }
    }
}
