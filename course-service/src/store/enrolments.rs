//! The `enrolments` collection (one document per enrolled student and course, unique) and
//! `processed_events`, which makes the purchase consumer idempotent by event id.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use super::{create_indexes, index, is_duplicate_key, to_bson, to_chrono, ttl_index};

/// Processed event ids are kept this long; Redis redelivers far sooner.
const PROCESSED_TTL_SECS: u64 = 30 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrolmentDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    course: ObjectId,
    user: ObjectId,
    purchase_id: String,
    enrolled_at: BsonDateTime,
}

#[derive(Debug, Serialize, Deserialize)]
struct ProcessedDoc {
    #[serde(rename = "_id")]
    id: String,
    at: BsonDateTime,
}

/// One student enrolled in one course.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub course_id: String,
    pub user_id: String,
    pub enrolled_at: DateTime<Utc>,
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

    pub(super) async fn ensure_indexes(&self) -> anyhow::Result<()> {
        create_indexes(
            &self.coll,
            vec![
                index(doc! { "course": 1, "user": 1 }, "course_user_unique", true),
                index(
                    doc! { "course": 1, "enrolledAt": -1 },
                    "course_newest",
                    false,
                ),
                index(doc! { "user": 1 }, "user", false),
            ],
        )
        .await?;
        create_indexes(
            &self.processed,
            vec![ttl_index("at", "at_ttl", PROCESSED_TTL_SECS)],
        )
        .await
    }

    /// Enrols `user` in `course`; `true` when this call created the enrolment.
    pub async fn enrol(
        &self,
        course: ObjectId,
        user: ObjectId,
        purchase_id: &str,
        at: DateTime<Utc>,
    ) -> mongodb::error::Result<bool> {
        let result = self
            .coll
            .update_one(
                doc! { "course": course, "user": user },
                doc! { "$setOnInsert": {
                    "_id": ObjectId::new(),
                    "purchaseId": purchase_id,
                    "enrolledAt": to_bson(at),
                } },
            )
            .upsert(true)
            .await;
        match result {
            Ok(r) => Ok(r.upserted_id.is_some()),
            // Two deliveries racing: the other one inserted it.
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ends an enrolment; `true` when there was one.
    pub async fn unenrol(&self, course: ObjectId, user: ObjectId) -> mongodb::error::Result<bool> {
        let result = self
            .coll
            .delete_one(doc! { "course": course, "user": user })
            .await?;
        Ok(result.deleted_count == 1)
    }

    pub async fn is_enrolled(
        &self,
        course: ObjectId,
        user: ObjectId,
    ) -> mongodb::error::Result<bool> {
        Ok(self
            .coll
            .clone_with_type::<mongodb::bson::Document>()
            .find_one(doc! { "course": course, "user": user })
            .projection(doc! { "_id": 1 })
            .await?
            .is_some())
    }

    /// One page of a course's students, newest enrolment first, and the total.
    pub async fn list_for_course(
        &self,
        course: ObjectId,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Enrolment>, u64)> {
        let filter = doc! { "course": course };
        let total = self.coll.count_documents(filter.clone()).await?;
        let docs: Vec<EnrolmentDoc> = self
            .coll
            .find(filter)
            .sort(doc! { "enrolledAt": -1, "_id": -1 })
            .skip(skip)
            .limit(i64::try_from(limit).unwrap_or(100))
            .await?
            .try_collect()
            .await?;
        Ok((docs.into_iter().map(to_enrolment).collect(), total))
    }

    /// The courses `user` is enrolled in.
    pub async fn courses_of(&self, user: ObjectId) -> mongodb::error::Result<Vec<ObjectId>> {
        let docs: Vec<EnrolmentDoc> = self
            .coll
            .find(doc! { "user": user })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| d.course).collect())
    }

    /// Removes every enrolment of a course.
    pub async fn delete_for_course(&self, course: ObjectId) -> mongodb::error::Result<()> {
        self.coll.delete_many(doc! { "course": course }).await?;
        Ok(())
    }

    /// Whether an event was handled already.
    pub async fn was_processed(&self, event_id: &str) -> mongodb::error::Result<bool> {
        Ok(self
            .processed
            .find_one(doc! { "_id": event_id })
            .await?
            .is_some())
    }

    /// Records an event as handled (a repeat is fine).
    pub async fn mark_processed(&self, event_id: &str) -> mongodb::error::Result<()> {
        let doc = ProcessedDoc {
            id: event_id.to_owned(),
            at: BsonDateTime::now(),
        };
        match self.processed.insert_one(doc).await {
            Err(e) if !is_duplicate_key(&e) => Err(e),
            _ => Ok(()),
        }
    }
}

fn to_enrolment(d: EnrolmentDoc) -> Enrolment {
    Enrolment {
        course_id: d.course.to_hex(),
        user_id: d.user.to_hex(),
        enrolled_at: to_chrono(d.enrolled_at),
    }
}
