//! `progress`: one document per (user, course), unique. Every change is one atomic single-document
//! update: heartbeats OR their seconds into a bitmap with `$bit` in an upsert, completions are
//! compare-and-set updates guarded by the fields they depend on, and nothing is ever read, changed in
//! memory and written back, so concurrent tabs cannot lose each other's writes.
//!
//! Shape: `{ userId, courseId, createdAt, lastAccessed, completedAt?, epoch, lectures: { <lectureId>: {
//! cov: { w<i>: Int64 }, lastPosition, lastWatched, isCompleted, completedAt?, epoch } } }`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, Document, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database, IndexModel};
use serde::Deserialize;

use crate::domain::{CourseProgress, Coverage, Heartbeat, LectureProgress};
use shared::stores::{Indexes, index, is_duplicate_key, to_bson, to_chrono};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProgressDoc {
    user_id: ObjectId,
    course_id: ObjectId,
    #[serde(default)]
    lectures: HashMap<String, LectureDoc>,
    last_accessed: Option<BsonDateTime>,
    completed_at: Option<BsonDateTime>,
    #[serde(default)]
    epoch: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LectureDoc {
    #[serde(default)]
    cov: HashMap<String, i64>,
    #[serde(default)]
    last_position: f64,
    last_watched: Option<BsonDateTime>,
    #[serde(default)]
    is_completed: bool,
    completed_at: Option<BsonDateTime>,
    #[serde(default)]
    epoch: i64,
}

impl From<LectureDoc> for LectureProgress {
    fn from(d: LectureDoc) -> Self {
        let words = d.cov.into_iter().filter_map(|(key, word)| {
            // Bits are stored as Int64; the cast reinterprets them, it does not convert a number.
            Some((key.strip_prefix('w')?.parse().ok()?, word as u64))
        });
        Self {
            watched: Coverage::from_words(words),
            last_position: d.last_position,
            last_watched: d.last_watched.map(to_chrono),
            is_completed: d.is_completed,
            completed_at: d.completed_at.map(to_chrono),
            epoch: d.epoch,
        }
    }
}

impl From<ProgressDoc> for CourseProgress {
    fn from(d: ProgressDoc) -> Self {
        Self {
            lectures: d
                .lectures
                .into_iter()
                .map(|(id, l)| (id, l.into()))
                .collect(),
            last_accessed: d.last_accessed.map(to_chrono),
            completed_at: d.completed_at.map(to_chrono),
            epoch: d.epoch,
        }
    }
}

/// One document per user and course, read by course: the indexes of `progress`, and of `enrolments`, whose
/// documents use the same field names.
pub(super) fn user_course_indexes() -> Vec<IndexModel> {
    vec![
        index(
            doc! { "userId": 1, "courseId": 1 },
            "user_course_unique",
            true,
        ),
        index(doc! { "courseId": 1 }, "course", false),
    ]
}

/// `cov` as stored: `{ w<i>: Int64 }`.
fn word_key(index: u32) -> String {
    format!("w{index}")
}

/// Typed access to `progress`.
#[derive(Clone)]
pub struct ProgressStore {
    coll: Collection<ProgressDoc>,
}

impl ProgressStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("progress"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(&self.coll, user_course_indexes())
    }

    /// The user's record for a course, if one was ever written.
    pub async fn find(
        &self,
        user: ObjectId,
        course: ObjectId,
    ) -> mongodb::error::Result<Option<CourseProgress>> {
        Ok(self
            .coll
            .find_one(doc! { "userId": user, "courseId": course })
            .await?
            .map(Into::into))
    }

    /// Every record of a user, by course.
    pub async fn find_by_user(
        &self,
        user: ObjectId,
    ) -> mongodb::error::Result<HashMap<ObjectId, CourseProgress>> {
        let docs: Vec<ProgressDoc> = self
            .coll
            .find(doc! { "userId": user })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| (d.course_id, d.into())).collect())
    }

    /// Every record of a course, by user (for the instructor's statistics).
    pub async fn find_by_course(
        &self,
        course: ObjectId,
    ) -> mongodb::error::Result<HashMap<ObjectId, CourseProgress>> {
        let docs: Vec<ProgressDoc> = self
            .coll
            .find(doc! { "courseId": course })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| (d.user_id, d.into())).collect())
    }

    /// Applies a heartbeat in one upsert and returns the record after it.
    pub async fn apply_heartbeat(
        &self,
        user: ObjectId,
        course: ObjectId,
        lecture: &str,
        heartbeat: &Heartbeat,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<CourseProgress> {
        let now = to_bson(now);
        let p = format!("lectures.{lecture}");
        let mut set = Document::new();
        let mut inc = doc! { "epoch": 0_i64 };
        let mut update = doc! {
            "$max": { "lastAccessed": now, format!("{p}.lastWatched"): now },
            "$setOnInsert": { "createdAt": now },
        };
        if let Some(position) = heartbeat.last_position {
            set.insert(format!("{p}.lastPosition"), position);
        }
        if heartbeat.is_completed == Some(false) {
            // An explicit "not completed" starts the lecture over: its seconds are replaced by this
            // request's, and the epoch moves on so a completion decided before cannot land after.
            let words: Document = heartbeat
                .watched
                .words()
                .map(|(i, w)| (word_key(i), (w as i64).into()))
                .collect();
            set.insert(format!("{p}.cov"), words);
            set.insert(format!("{p}.isCompleted"), false);
            update.insert("$unset", doc! { format!("{p}.completedAt"): "" });
            inc.insert(format!("{p}.epoch"), 1_i64);
        } else {
            inc.insert(format!("{p}.epoch"), 0_i64);
            if !heartbeat.watched.is_empty() {
                let bits: Document = heartbeat
                    .watched
                    .words()
                    .map(|(i, w)| {
                        (
                            format!("{p}.cov.{}", word_key(i)),
                            doc! { "or": w as i64 }.into(),
                        )
                    })
                    .collect();
                update.insert("$bit", bits);
            }
            if heartbeat.is_completed == Some(true) {
                set.insert(format!("{p}.isCompleted"), true);
                update.insert("$min", doc! { format!("{p}.completedAt"): now });
            }
        }
        if !set.is_empty() {
            update.insert("$set", set);
        }
        update.insert("$inc", inc);
        self.upsert(user, course, update).await
    }

    /// Marks a lecture completed by the watch threshold, unless it already is or the lecture or record
    /// was un-completed or reset since `record` was read. Returns whether this call completed it.
    pub async fn complete_lecture_if_unchanged(
        &self,
        user: ObjectId,
        course: ObjectId,
        lecture: &str,
        record: &CourseProgress,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<bool> {
        let p = format!("lectures.{lecture}");
        let lecture_epoch = record.lecture(lecture).map_or(0, |l| l.epoch);
        let result = self
            .coll
            .update_one(
                doc! {
                    "userId": user,
                    "courseId": course,
                    "epoch": record.epoch,
                    format!("{p}.epoch"): lecture_epoch,
                    format!("{p}.isCompleted"): { "$ne": true },
                },
                doc! { "$set": {
                    format!("{p}.isCompleted"): true,
                    format!("{p}.completedAt"): to_bson(now),
                } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    /// Sets the course's `completedAt` if it was never set. Exactly one caller ever gets `true`, which is
    /// what makes `course.completed` go out once.
    pub async fn mark_course_completed(
        &self,
        user: ObjectId,
        course: ObjectId,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<bool> {
        let result = self
            .coll
            .update_one(
                doc! { "userId": user, "courseId": course, "completedAt": null },
                doc! { "$set": { "completedAt": to_bson(now) } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    /// Completes every listed lecture (earlier completion times stay) in one upsert.
    pub async fn complete_all(
        &self,
        user: ObjectId,
        course: ObjectId,
        lectures: &[String],
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<CourseProgress> {
        let now = to_bson(now);
        let mut set = Document::new();
        let mut min = Document::new();
        let mut inc = doc! { "epoch": 0_i64 };
        for id in lectures {
            set.insert(format!("lectures.{id}.isCompleted"), true);
            min.insert(format!("lectures.{id}.completedAt"), now);
            inc.insert(format!("lectures.{id}.epoch"), 0_i64);
        }
        let mut update = doc! {
            "$max": { "lastAccessed": now },
            "$setOnInsert": { "createdAt": now },
            "$inc": inc,
        };
        if !set.is_empty() {
            update.insert("$set", set);
            update.insert("$min", min);
        }
        self.upsert(user, course, update).await
    }

    /// Clears every lecture record in one upsert; the course's sticky `completedAt` stays.
    pub async fn reset(
        &self,
        user: ObjectId,
        course: ObjectId,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<CourseProgress> {
        let now = to_bson(now);
        let update = doc! {
            "$set": { "lectures": {} },
            "$max": { "lastAccessed": now },
            "$setOnInsert": { "createdAt": now },
            "$inc": { "epoch": 1_i64 },
        };
        self.upsert(user, course, update).await
    }

    pub async fn delete_by_user(&self, user: ObjectId) -> mongodb::error::Result<u64> {
        Ok(self
            .coll
            .delete_many(doc! { "userId": user })
            .await?
            .deleted_count)
    }

    pub async fn delete_by_course(&self, course: ObjectId) -> mongodb::error::Result<u64> {
        Ok(self
            .coll
            .delete_many(doc! { "courseId": course })
            .await?
            .deleted_count)
    }

    /// `findOneAndUpdate` with upsert, returning the document after the update. Two first writes racing
    /// on the unique index: the loser's insert fails with 11000, and its retry updates the winner's
    /// document (MongoDB retries this itself since 4.2; the test server may not).
    async fn upsert(
        &self,
        user: ObjectId,
        course: ObjectId,
        update: Document,
    ) -> mongodb::error::Result<CourseProgress> {
        let filter = doc! { "userId": user, "courseId": course };
        let mut attempt = 0;
        loop {
            let result = self
                .coll
                .find_one_and_update(filter.clone(), update.clone())
                .upsert(true)
                .return_document(ReturnDocument::After)
                .await;
            match result {
                Ok(Some(doc)) => return Ok(doc.into()),
                // An upsert always returns a document; this only keeps the match total.
                Ok(None) => return Ok(CourseProgress::default()),
                Err(e) if attempt == 0 && is_duplicate_key(&e) => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }
}
