//! The transactional outbox every event-producing service uses: events are written to the service's own
//! `outbox` collection with the state change they describe, and a relay publishes them to Redis Streams and
//! then removes them, so a crash between the two loses nothing (at-least-once; consumers are idempotent).
//! It is the same mechanism in every service, so it lives here once rather than copied per service.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::events::Publisher;
use crate::stores::{Indexes, index};

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

/// Typed access to a service's `outbox` collection.
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

    /// The index the relay reads by (stable name).
    pub fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![index(doc! { "createdAt": 1 }, "created_asc", false)],
        )
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
                created_at: DateTime::from_timestamp_millis(d.created_at.timestamp_millis())
                    .unwrap_or_default(),
            })
            .collect())
    }

    pub async fn delete(&self, id: &str) -> mongodb::error::Result<()> {
        self.coll.delete_one(doc! { "_id": id }).await?;
        Ok(())
    }
}

/// Publishes outbox entries until shutdown: when `notify` is woken (an event was just written), and every
/// second as a safety net. An entry that cannot be published stays for the next round, in order.
pub async fn run_relay(
    outbox: OutboxStore,
    publisher: Publisher,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match outbox.pending(100).await {
            Ok(entries) => {
                let mut waiting = entries.len();
                for entry in entries {
                    let envelope: serde_json::Value = match serde_json::from_str(&entry.envelope) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::error!(event.id = %entry.id, error = %e, "dropping a malformed outbox entry");
                            let _ = outbox.delete(&entry.id).await;
                            waiting -= 1;
                            continue;
                        }
                    };
                    match publisher.publish_value(&entry.topic, &envelope).await {
                        Ok(_) => {
                            waiting -= 1;
                            if let Err(e) = outbox.delete(&entry.id).await {
                                tracing::warn!(event.id = %entry.id, error = %e, "published event stays in the outbox");
                            }
                        }
                        Err(e) => {
                            tracing::warn!(event.id = %entry.id, error = %e, "publishing an outbox event failed; will retry");
                            break;
                        }
                    }
                }
                // Of the oldest 100: what this pass could not publish.
                #[expect(clippy::cast_precision_loss, reason = "a gauge of at most 100")]
                metrics::gauge!(crate::events::OUTBOX_BACKLOG).set(waiting as f64);
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed; will retry"),
        }
        tokio::select! {
            () = notify.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
