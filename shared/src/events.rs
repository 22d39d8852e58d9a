//! Events between services over Redis Streams: the envelope and payloads, a publisher, and a
//! consumer-group loop with at-least-once delivery (ack after handling, stale entries reclaimed).

use crate::redis_handle::RedisHandle;
use chrono::{DateTime, Utc};
use redis::streams::{StreamId, StreamMaxlen};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

mod consumer;
pub use consumer::{Consumer, ConsumerConfig};

/// A purchase was paid (course-service enrols, auth-service updates `enrolledCourses`).
pub const PURCHASE_COMPLETED: &str = "purchase.completed";
/// A purchase was refunded (the enrolment ends).
pub const PURCHASE_REFUNDED: &str = "purchase.refunded";
/// A user account was deleted (every service removes or anonymises the user's data).
pub const USER_DELETED: &str = "user.deleted";
/// A course's lecture list or publication changed.
pub const COURSE_UPDATED: &str = "course.updated";
/// A course was deleted.
pub const COURSE_DELETED: &str = "course.deleted";
/// A lecture was deleted.
pub const LECTURE_DELETED: &str = "lecture.deleted";
/// A student completed a course (published once per student and course by progress-service).
pub const COURSE_COMPLETED: &str = "course.completed";

/// Stream entry field holding the envelope JSON.
pub const EVENT_FIELD: &str = "event";

/// Streams are trimmed to roughly this many entries.
pub const DEFAULT_MAX_LEN: usize = 100_000;

/// The Redis stream that carries one topic.
pub fn stream_key(prefix: &str, topic: &str) -> String {
    format!("{prefix}events:{topic}")
}

/// Events handled by a consumer group, by `topic`, `group` and `outcome` (`ok`, `retry`, `poison`).
pub const EVENTS_HANDLED: &str = "events_handled_total";
/// Stale pending entries a consumer claimed again, by `topic` and `group`.
pub const EVENTS_RECLAIMED: &str = "events_reclaimed_total";
/// Entries of a stream not yet delivered to a group (Redis `XINFO GROUPS` lag), by `topic` and `group`.
pub const EVENTS_LAG: &str = "events_consumer_lag";
/// Outbox entries waiting to be published (as last seen by the relay).
pub const OUTBOX_BACKLOG: &str = "outbox_backlog";

/// Help texts of the event metrics, for the Prometheus exposition.
pub fn describe_metrics() {
    metrics::describe_counter!(
        EVENTS_HANDLED,
        "Events handled by a consumer group, by topic, group and outcome"
    );
    metrics::describe_counter!(
        EVENTS_RECLAIMED,
        "Stale pending events claimed again, by topic and group"
    );
    metrics::describe_gauge!(
        EVENTS_LAG,
        "Stream entries not yet delivered to a consumer group"
    );
    metrics::describe_gauge!(OUTBOX_BACKLOG, "Outbox entries waiting to be published");
}

/// What travels on a stream: an id consumers deduplicate on, the topic, when it happened, the trace it
/// belongs to, and the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope<T> {
    /// UUID v4; idempotent consumers key on it.
    pub id: String,
    pub topic: String,
    /// RFC 3339, UTC.
    pub occurred_at: DateTime<Utc>,
    /// W3C `traceparent` of the span that produced the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    pub payload: T,
}

impl<T> EventEnvelope<T> {
    /// A new event with a fresh id, the current time and (with `otel`) the current span's traceparent.
    pub fn new(topic: &str, payload: T) -> Self {
        #[cfg(feature = "otel")]
        let traceparent = crate::telemetry::traceparent_from_current_span();
        #[cfg(not(feature = "otel"))]
        let traceparent = None;
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            topic: topic.to_owned(),
            occurred_at: Utc::now(),
            traceparent,
            payload,
        }
    }

    /// Replaces the traceparent (e.g. the one stored with an outbox record).
    pub fn with_traceparent(mut self, traceparent: Option<String>) -> Self {
        self.traceparent = traceparent;
        self
    }
}

/// Payload of `user.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDeleted {
    pub user_id: String,
    /// The role the user had (`student`, `instructor`, `admin`).
    pub role: String,
}

/// Payload of `purchase.completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseCompleted {
    pub purchase_id: String,
    pub user_id: String,
    pub course_id: String,
    pub amount_cents: i64,
    pub currency: String,
}

/// Payload of `purchase.refunded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseRefunded {
    pub purchase_id: String,
    pub user_id: String,
    pub course_id: String,
}

/// Payload of `course.updated`: the full current lecture list, so consumers need no other read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseUpdated {
    pub course_id: String,
    pub lecture_ids: Vec<String>,
    pub is_published: bool,
}

/// Payload of `course.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseDeleted {
    pub course_id: String,
}

/// Payload of `lecture.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LectureDeleted {
    pub course_id: String,
    pub lecture_id: String,
}

/// Payload of `course.completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseCompleted {
    pub user_id: String,
    pub course_id: String,
    /// When the course became completed (the sticky `completedAt` of the progress record).
    pub completed_at: DateTime<Utc>,
}

/// Publishing or consuming failed.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("could not serialize the event: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("event topic `{envelope}` does not match the stream topic `{stream}`")]
    TopicMismatch { stream: String, envelope: String },
}

/// Appends events to their topic's stream.
#[derive(Clone)]
pub struct Publisher {
    conn: RedisHandle,
    prefix: String,
    max_len: Option<usize>,
}

impl Publisher {
    /// A publisher on a shared connection; streams are trimmed to about [`DEFAULT_MAX_LEN`] entries.
    pub fn new(conn: RedisHandle, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
            max_len: Some(DEFAULT_MAX_LEN),
        }
    }

    /// Changes the approximate trim length (`None`: never trim).
    pub fn with_max_len(mut self, max_len: Option<usize>) -> Self {
        self.max_len = max_len;
        self
    }

    /// XADDs the envelope as JSON in field `event`; returns the stream entry id.
    pub async fn publish<T: Serialize>(
        &self,
        topic: &str,
        envelope: &EventEnvelope<T>,
    ) -> Result<String, EventError> {
        check_topic(topic, &envelope.topic)?;
        self.append(topic, &envelope.id, serde_json::to_string(envelope)?)
            .await
    }

    /// Publishes an envelope kept as JSON (an outbox relay replaying what it stored).
    pub async fn publish_value(
        &self,
        topic: &str,
        envelope: &serde_json::Value,
    ) -> Result<String, EventError> {
        // Refuse what consumers would drop as malformed anyway, so the outbox keeps it for inspection.
        let parsed = EventEnvelope::<serde_json::Value>::deserialize(envelope)?;
        check_topic(topic, &parsed.topic)?;
        self.append(topic, &parsed.id, serde_json::to_string(envelope)?)
            .await
    }

    async fn append(
        &self,
        topic: &str,
        event_id: &str,
        json: String,
    ) -> Result<String, EventError> {
        let key = stream_key(&self.prefix, topic);
        let items = [(EVENT_FIELD, json)];
        let mut pipe = redis::pipe();
        match self.max_len {
            // `~` lets Redis trim whole macro-nodes, which is much cheaper than an exact MAXLEN.
            Some(n) => pipe.xadd_maxlen(&key, StreamMaxlen::Approx(n), "*", &items),
            None => pipe.xadd(&key, "*", &items),
        };
        // Only once enough replicas have the entry is it published: the outbox deletes it after this.
        let mut answers = self.conn.write_replicated(pipe).await?;
        let id: String = match answers.pop() {
            Some(v) => redis::from_redis_value(v).map_err(redis::RedisError::from)?,
            None => String::new(),
        };
        tracing::debug!(event.id = %event_id, event.topic = topic, stream.entry_id = %id, "event published");
        Ok(id)
    }
}

fn check_topic(stream: &str, envelope: &str) -> Result<(), EventError> {
    if stream == envelope {
        Ok(())
    } else {
        Err(EventError::TopicMismatch {
            stream: stream.to_owned(),
            envelope: envelope.to_owned(),
        })
    }
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("prefix", &self.prefix)
            .field("max_len", &self.max_len)
            .finish()
    }
}

/// One delivered event: where it came from and its envelope with the payload still as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// Stream entry id (what gets acknowledged).
    pub entry_id: String,
    /// Topic of the stream it was read from.
    pub topic: String,
    pub envelope: EventEnvelope<serde_json::Value>,
}

impl RawEvent {
    /// The event id to deduplicate on.
    pub fn event_id(&self) -> &str {
        &self.envelope.id
    }

    /// When the producer says the event happened.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.envelope.occurred_at
    }

    /// The payload as a typed struct.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.envelope.payload)
    }

    /// Parses a stream entry; `None` for a malformed one (no `event` field, bad JSON, wrong topic).
    fn parse(topic: &str, entry: &StreamId) -> Option<Self> {
        let json: String = entry.get(EVENT_FIELD)?;
        let envelope: EventEnvelope<serde_json::Value> = serde_json::from_str(&json).ok()?;
        (envelope.topic == topic).then(|| Self {
            entry_id: entry.id.clone(),
            topic: topic.to_owned(),
            envelope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_camel_case_with_rfc3339_times() {
        let payload = PurchaseCompleted {
            purchase_id: "p1".into(),
            user_id: "u1".into(),
            course_id: "c1".into(),
            amount_cents: 4999,
            currency: "usd".into(),
        };
        let envelope = EventEnvelope::new(PURCHASE_COMPLETED, payload.clone());
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["topic"], "purchase.completed");
        assert_eq!(json["payload"]["amountCents"], 4999);
        let at = json["occurredAt"].as_str().unwrap();
        assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        assert!(uuid::Uuid::parse_str(&envelope.id).is_ok());
        assert!(json.get("traceparent").is_none());

        let raw: EventEnvelope<serde_json::Value> = serde_json::from_value(json).unwrap();
        let event = RawEvent {
            entry_id: "1-0".into(),
            topic: PURCHASE_COMPLETED.into(),
            envelope: raw,
        };
        assert_eq!(event.payload::<PurchaseCompleted>().unwrap(), payload);
        assert_eq!(event.event_id(), envelope.id);
    }

    #[test]
    fn stream_keys_carry_the_prefix_and_topic() {
        assert_eq!(
            stream_key("test_1:", USER_DELETED),
            "test_1:events:user.deleted"
        );
        let json = serde_json::to_value(UserDeleted {
            user_id: "u".into(),
            role: "instructor".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "userId": "u", "role": "instructor" })
        );
        let json = serde_json::to_value(CourseUpdated {
            course_id: "c".into(),
            lecture_ids: vec![],
            is_published: true,
        })
        .unwrap();
        assert_eq!(json["isPublished"], true);
    }
}
