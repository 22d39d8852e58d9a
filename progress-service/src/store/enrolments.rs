//! `enrolments`: which courses each user is enrolled in, projected from `purchase.completed` and
//! `purchase.refunded` (so `GET /progress` can list never-opened courses and stats can count students),
//! and `processed_events`, the ids of events already applied (replays change nothing).

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};
use serde::{Deserialize, Serialize};

use super::{is_duplicate_key, to_bson, to_chrono};

/// Processed event ids are kept this long (far beyond any redelivery).
const PROCESSED_TTL_SECS: u64 = 30 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrolmentDoc {
    user_id: ObjectId,
    course_id: ObjectId,
    enrolled_at: BsonDateTime,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessedDoc {
    #[serde(rename = "_id")]
    id: String,
    processed_at: BsonDateTime,
}

/// Typed access to `enrolments` and `processed_events`.
#[derive(Clone)]
pub struct EnrolmentStore {
    coll: Collection<EnrolmentDoc>,
    processed: Collection<ProcessedDoc>,
}

impl EnrolmentStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("enrolments"),
            processed: db.collection("processed_events"),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let unique = IndexOptions::builder()
            .name("user_course_unique".to_owned())
            .unique(true)
            .build();
        let by_course = IndexOptions::builder().name("course".to_owned()).build();
        self.coll
            .create_indexes([
                IndexModel::builder()
                    .keys(doc! { "userId": 1, "courseId": 1 })
                    .options(unique)
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "courseId": 1 })
                    .options(by_course)
                    .build(),
            ])
            .await?;
        let ttl = IndexOptions::builder()
            .name("processed_ttl".to_owned())
            .expire_after(std::time::Duration::from_secs(PROCESSED_TTL_SECS))
            .build();
        self.processed
            .create_index(
                IndexModel::builder()
                    .keys(doc! { "processedAt": 1 })
                    .options(ttl)
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// Records an enrolment (one upsert; the earliest time wins).
    pub async fn enrol(
        &self,
        user: ObjectId,
        course: ObjectId,
        at: DateTime<Utc>,
    ) -> mongodb::error::Result<()> {
        self.coll
            .update_one(
                doc! { "userId": user, "courseId": course },
                doc! { "$min": { "enrolledAt": to_bson(at) } },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Ends an enrolment.
    pub async fn unenrol(&self, user: ObjectId, course: ObjectId) -> mongodb::error::Result<()> {
        self.coll
            .delete_one(doc! { "userId": user, "courseId": course })
            .await?;
        Ok(())
    }

    /// The user's courses with when they enrolled, oldest first.
    pub async fn courses_of(
        &self,
        user: ObjectId,
    ) -> mongodb::error::Result<Vec<(ObjectId, DateTime<Utc>)>> {
        let docs: Vec<EnrolmentDoc> = self
            .coll
            .find(doc! { "userId": user })
            .sort(doc! { "enrolledAt": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| (d.course_id, to_chrono(d.enrolled_at)))
            .collect())
    }

    /// The users enrolled in a course.
    pub async fn users_of(&self, course: ObjectId) -> mongodb::error::Result<Vec<ObjectId>> {
        let docs: Vec<EnrolmentDoc> = self
            .coll
            .find(doc! { "courseId": course })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| d.user_id).collect())
    }

    pub async fn delete_by_user(&self, user: ObjectId) -> mongodb::error::Result<()> {
        self.coll.delete_many(doc! { "userId": user }).await?;
        Ok(())
    }

    pub async fn delete_by_course(&self, course: ObjectId) -> mongodb::error::Result<()> {
        self.coll.delete_many(doc! { "courseId": course }).await?;
        Ok(())
    }

    /// Whether an event id was already applied.
    pub async fn was_processed(&self, event_id: &str) -> mongodb::error::Result<bool> {
        Ok(self
            .processed
            .find_one(doc! { "_id": event_id })
            .await?
            .is_some())
    }

    /// Remembers an applied event id (a second insert of the same id is fine).
    pub async fn mark_processed(&self, event_id: &str) -> mongodb::error::Result<()> {
        let doc = ProcessedDoc {
            id: event_id.to_owned(),
            processed_at: BsonDateTime::now(),
        };
        match self.processed.insert_one(doc).await {
            Err(e) if !is_duplicate_key(&e) => Err(e),
            _ => Ok(()),
        }
    }
}
