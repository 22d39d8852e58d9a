//! The `lectures` collection: one document per lecture, pointing at its course and its video file.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{Indexes, index, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LectureDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    course: ObjectId,
    title: String,
    description: String,
    video_key: String,
    duration: f64,
    is_preview: bool,
    order: i32,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
}

/// A lecture as the rest of the service sees it.
#[derive(Debug, Clone)]
pub struct Lecture {
    pub id: String,
    pub course_id: String,
    pub title: String,
    pub description: String,
    pub video_key: String,
    /// Seconds, rounded to two decimals.
    pub duration: f64,
    pub is_preview: bool,
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LectureDoc> for Lecture {
    fn from(d: LectureDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            course_id: d.course.to_hex(),
            title: d.title,
            description: d.description,
            video_key: d.video_key,
            duration: d.duration,
            is_preview: d.is_preview,
            order: d.order,
            created_at: to_chrono(d.created_at),
            updated_at: to_chrono(d.updated_at),
        }
    }
}

/// What adding a lecture needs.
#[derive(Debug, Clone)]
pub struct NewLecture {
    pub course: ObjectId,
    pub title: String,
    pub description: String,
    pub video_key: String,
    pub duration: f64,
    pub is_preview: bool,
    pub order: i32,
}

/// Fields an update may change.
#[derive(Debug, Clone, Default)]
pub struct LectureChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub order: Option<i32>,
    pub is_preview: Option<bool>,
    /// New video key and duration.
    pub video: Option<(String, f64)>,
}

/// Typed access to `lectures`.
#[derive(Clone)]
pub struct LectureStore {
    coll: Collection<LectureDoc>,
}

impl LectureStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("lectures"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(
                    doc! { "course": 1, "order": 1, "createdAt": 1 },
                    "course_order",
                    false,
                ),
                index(doc! { "videoKey": 1 }, "video_key", true),
            ],
        )
    }

    pub async fn insert(&self, new: NewLecture) -> mongodb::error::Result<Lecture> {
        let now = BsonDateTime::now();
        let doc = LectureDoc {
            id: ObjectId::new(),
            course: new.course,
            title: new.title,
            description: new.description,
            video_key: new.video_key,
            duration: new.duration,
            is_preview: new.is_preview,
            order: new.order,
            created_at: now,
            updated_at: now,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    /// The lecture `id` of course `course`.
    pub async fn find(
        &self,
        course: ObjectId,
        id: ObjectId,
    ) -> mongodb::error::Result<Option<Lecture>> {
        let doc = self
            .coll
            .find_one(doc! { "_id": id, "course": course })
            .await?;
        Ok(doc.map(Into::into))
    }

    /// The lecture whose video is stored under `key`.
    pub async fn find_by_video(&self, key: &str) -> mongodb::error::Result<Option<Lecture>> {
        Ok(self
            .coll
            .find_one(doc! { "videoKey": key })
            .await?
            .map(Into::into))
    }

    /// A course's lectures sorted by `order`, ties in the order they were added.
    pub async fn list(&self, course: ObjectId) -> mongodb::error::Result<Vec<Lecture>> {
        let docs: Vec<LectureDoc> = self
            .coll
            .find(doc! { "course": course })
            .sort(doc! { "order": 1, "createdAt": 1, "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Applies `changes`; returns the lecture before and after.
    pub async fn update(
        &self,
        course: ObjectId,
        id: ObjectId,
        changes: LectureChanges,
    ) -> mongodb::error::Result<Option<(Lecture, Lecture)>> {
        let mut set = doc! { "updatedAt": BsonDateTime::now() };
        if let Some(v) = changes.title {
            set.insert("title", v);
        }
        if let Some(v) = changes.description {
            set.insert("description", v);
        }
        if let Some(v) = changes.order {
            set.insert("order", v);
        }
        if let Some(v) = changes.is_preview {
            set.insert("isPreview", v);
        }
        if let Some((key, duration)) = changes.video {
            set.insert("videoKey", key);
            set.insert("duration", duration);
        }
        let filter = doc! { "_id": id, "course": course };
        let before = self
            .coll
            .find_one_and_update(filter.clone(), doc! { "$set": set })
            .return_document(ReturnDocument::Before)
            .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let after = self.coll.find_one(filter).await?;
        Ok(after.map(|after| (before.into(), after.into())))
    }

    pub async fn delete(
        &self,
        course: ObjectId,
        id: ObjectId,
    ) -> mongodb::error::Result<Option<Lecture>> {
        let doc = self
            .coll
            .find_one_and_delete(doc! { "_id": id, "course": course })
            .await?;
        Ok(doc.map(Into::into))
    }

    /// Deletes every lecture of a course; returns them (their files must go too).
    pub async fn delete_for_course(
        &self,
        course: ObjectId,
    ) -> mongodb::error::Result<Vec<Lecture>> {
        let lectures = self.list(course).await?;
        self.coll.delete_many(doc! { "course": course }).await?;
        Ok(lectures)
    }
}
