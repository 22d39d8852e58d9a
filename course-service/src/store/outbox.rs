//! The `outbox` collection: events written with the state change they describe, published to Redis
//! Streams by the relay and then removed, so a crash between the two loses nothing.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use super::{create_indexes, index, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxDoc {
    /// The event id.
    #[serde(rename = "_id")]
    id: String,
    topic: String,
    /// The event envelope as JSON text.
    envelope: String,
    created_at: BsonDateTime,
}

/// An event waiting to be published.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: String,
    pub topic: String,
    pub envelope: String,
    pub created_at: DateTime<Utc>,
}

/// Typed access to `outbox`.
#[derive(Clone)]
pub struct OutboxStore {
    coll: Collection<OutboxDoc>,
}

impl OutboxStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("outbox"),
        }
    }

    pub(super) async fn ensure_indexes(&self) -> anyhow::Result<()> {
        create_indexes(
            &self.coll,
            vec![index(doc! { "createdAt": 1 }, "created_asc", false)],
        )
        .await
    }

    pub async fn insert(
        &self,
        id: &str,
        topic: &str,
        envelope: &str,
    ) -> mongodb::error::Result<()> {
        let doc = OutboxDoc {
            id: id.to_owned(),
            topic: topic.to_owned(),
            envelope: envelope.to_owned(),
            created_at: BsonDateTime::now(),
        };
        self.coll.insert_one(doc).await?;
        Ok(())
    }

    /// The oldest pending events.
    pub async fn pending(&self, limit: i64) -> mongodb::error::Result<Vec<OutboxEntry>> {
        let docs: Vec<OutboxDoc> = self
            .coll
            .find(doc! {})
            .sort(doc! { "createdAt": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| OutboxEntry {
                id: d.id,
                topic: d.topic,
                envelope: d.envelope,
                created_at: to_chrono(d.created_at),
            })
            .collect())
    }

    pub async fn delete(&self, id: &str) -> mongodb::error::Result<()> {
        self.coll.delete_one(doc! { "_id": id }).await?;
        Ok(())
    }
}
