//! The `reviews` collection: one review per (course, user), enforced by a unique index. A review is
//! *counted* (in the course's aggregate and the public list) while it is neither hidden by a moderator nor
//! written by a student whose purchase was refunded. Every change of the stars or of those flags is a
//! compare-and-set ([`ReviewStore::swap`], [`ReviewStore::remove`]) on the review as the writer read it, so
//! exactly one writer sees each transition and adjusts the aggregate (`crate::reviews`).

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, Document, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use crate::domain::{Histogram, Stars};
use shared::stores::{Indexes, index, to_chrono};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplyDoc {
    text: String,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HiddenDoc {
    reason: String,
    by: ObjectId,
    at: BsonDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    course: ObjectId,
    user: ObjectId,
    rating: Stars,
    comment: String,
    edited: bool,
    /// Absent (never null) until the instructor replies, so `$set` of `reply.text` can tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply: Option<ReplyDoc>,
    /// Set while a moderator hides the review.
    #[serde(default)]
    hidden: Option<HiddenDoc>,
    /// The author's purchase was refunded: no longer a verified purchase.
    #[serde(default)]
    refunded: bool,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
}

/// The instructor's answer to a review.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why and when a moderator hid a review.
#[derive(Debug, Clone, PartialEq)]
pub struct Hidden {
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A review as the rest of the service sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: String,
    pub course_id: String,
    pub user_id: String,
    pub rating: Stars,
    pub comment: String,
    pub edited: bool,
    pub reply: Option<Reply>,
    pub hidden: Option<Hidden>,
    pub refunded: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Review {
    /// Whether the review is in the aggregate and the public list.
    pub fn counted(&self) -> bool {
        self.hidden.is_none() && !self.refunded
    }
}

impl From<ReviewDoc> for Review {
    fn from(d: ReviewDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            course_id: d.course.to_hex(),
            user_id: d.user.to_hex(),
            rating: d.rating,
            comment: d.comment,
            edited: d.edited,
            reply: d.reply.map(|r| Reply {
                text: r.text,
                created_at: to_chrono(r.created_at),
                updated_at: to_chrono(r.updated_at),
            }),
            hidden: d.hidden.map(|h| Hidden {
                reason: h.reason,
                by: h.by.to_hex(),
                at: to_chrono(h.at),
            }),
            refunded: d.refunded,
            created_at: to_chrono(d.created_at),
            updated_at: to_chrono(d.updated_at),
        }
    }
}

/// Order of a course's public reviews.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReviewSort {
    #[default]
    Newest,
    Highest,
    Lowest,
}

impl ReviewSort {
    fn doc(self) -> Document {
        match self {
            Self::Newest => doc! { "createdAt": -1, "_id": -1 },
            Self::Highest => doc! { "rating": -1, "createdAt": -1, "_id": -1 },
            Self::Lowest => doc! { "rating": 1, "createdAt": -1, "_id": -1 },
        }
    }
}

/// The update of an author's edit.
pub fn edit_update(rating: Option<Stars>, comment: Option<&str>) -> Document {
    let mut set = doc! { "edited": true, "updatedAt": BsonDateTime::now() };
    if let Some(stars) = rating {
        set.insert("rating", i64::from(stars));
    }
    if let Some(text) = comment {
        set.insert("comment", text);
    }
    doc! { "$set": set }
}

/// The update that hides a review (`Some`) or shows it again.
pub fn moderation_update(hide: Option<(&str, ObjectId)>) -> mongodb::error::Result<Document> {
    Ok(match hide {
        Some((reason, by)) => {
            let hidden = HiddenDoc {
                reason: reason.to_owned(),
                by,
                at: BsonDateTime::now(),
            };
            doc! { "$set": { "hidden": mongodb::bson::to_bson(&hidden)? } }
        }
        None => doc! { "$set": { "hidden": null } },
    })
}

/// The update that marks a review's purchase refunded, or verified again.
pub fn refund_update(refunded: bool) -> Document {
    doc! { "$set": { "refunded": refunded } }
}

/// Matches the review only while it is as `current` shows it, in what the aggregate depends on.
fn guard(current: &Review) -> Option<Document> {
    let id = ObjectId::parse_str(&current.id).ok()?;
    let hidden = if current.hidden.is_some() {
        mongodb::bson::Bson::Document(doc! { "$ne": null })
    } else {
        mongodb::bson::Bson::Null
    };
    Some(doc! {
        "_id": id,
        "rating": i64::from(current.rating),
        "refunded": current.refunded,
        "hidden": hidden,
    })
}

/// The filter that selects counted reviews.
fn counted() -> Document {
    doc! { "hidden": null, "refunded": false }
}

/// Typed access to `reviews`.
#[derive(Clone)]
pub struct ReviewStore {
    coll: Collection<ReviewDoc>,
}

impl ReviewStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("reviews"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(doc! { "course": 1, "user": 1 }, "course_user", true),
                index(
                    doc! { "course": 1, "createdAt": -1, "_id": -1 },
                    "course_newest",
                    false,
                ),
                index(
                    doc! { "course": 1, "rating": -1, "createdAt": -1, "_id": -1 },
                    "course_rating",
                    false,
                ),
                index(
                    doc! { "user": 1, "createdAt": -1, "_id": -1 },
                    "user_newest",
                    false,
                ),
            ],
        )
    }

    /// Inserts a review; a second one by the same user for the same course is a duplicate-key error.
    pub async fn insert(
        &self,
        course: ObjectId,
        user: ObjectId,
        rating: Stars,
        comment: String,
    ) -> mongodb::error::Result<Review> {
        let now = BsonDateTime::now();
        let doc = ReviewDoc {
            id: ObjectId::new(),
            course,
            user,
            rating,
            comment,
            edited: false,
            reply: None,
            hidden: None,
            refunded: false,
            created_at: now,
            updated_at: now,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    pub async fn find(&self, id: ObjectId) -> mongodb::error::Result<Option<Review>> {
        Ok(self
            .coll
            .find_one(doc! { "_id": id })
            .await?
            .map(Into::into))
    }

    /// The review `user` wrote of `course`, if any.
    pub async fn find_by(
        &self,
        course: ObjectId,
        user: ObjectId,
    ) -> mongodb::error::Result<Option<Review>> {
        Ok(self
            .coll
            .find_one(doc! { "course": course, "user": user })
            .await?
            .map(Into::into))
    }

    /// Applies `update` only if the review still is exactly `current` in every field the aggregate
    /// depends on (stars, hidden, refunded); whether it did. A conditional write rather than a
    /// find-and-modify's pre-image: the caller computes its aggregate change from `current`, so that
    /// must be what the write replaced, on any server.
    pub async fn swap(&self, current: &Review, update: Document) -> mongodb::error::Result<bool> {
        let Some(filter) = guard(current) else {
            return Ok(false);
        };
        let result = self.coll.update_one(filter, update).await?;
        Ok(result.matched_count == 1)
    }

    /// Deletes the review only if it still is `current` (as [`Self::swap`]); whether it did.
    pub async fn remove(&self, current: &Review) -> mongodb::error::Result<bool> {
        let Some(filter) = guard(current) else {
            return Ok(false);
        };
        Ok(self.coll.delete_one(filter).await?.deleted_count == 1)
    }

    /// Sets or replaces the instructor's reply, keeping when it was first written.
    pub async fn set_reply(
        &self,
        id: ObjectId,
        text: &str,
    ) -> mongodb::error::Result<Option<Review>> {
        let now = BsonDateTime::now();
        // Two conditional writes instead of an update pipeline: an edit keeps `reply.createdAt`.
        for _ in 0..2 {
            let edited = self
                .coll
                .find_one_and_update(
                    doc! { "_id": id, "reply": { "$exists": true } },
                    doc! { "$set": { "reply.text": text, "reply.updatedAt": now } },
                )
                .return_document(ReturnDocument::After)
                .await?;
            if let Some(doc) = edited {
                return Ok(Some(doc.into()));
            }
            let reply = ReplyDoc {
                text: text.to_owned(),
                created_at: now,
                updated_at: now,
            };
            let first = self
                .coll
                .find_one_and_update(
                    doc! { "_id": id, "reply": { "$exists": false } },
                    doc! { "$set": { "reply": mongodb::bson::to_bson(&reply)? } },
                )
                .return_document(ReturnDocument::After)
                .await?;
            if let Some(doc) = first {
                return Ok(Some(doc.into()));
            }
            // Neither matched: the review is gone, or a first reply raced this one (then edit it).
            if self.find(id).await?.is_none() {
                return Ok(None);
            }
        }
        self.find(id).await
    }

    /// Removes the reply; `None` when the review does not exist.
    pub async fn delete_reply(&self, id: ObjectId) -> mongodb::error::Result<Option<Review>> {
        Ok(self
            .coll
            .find_one_and_update(doc! { "_id": id }, doc! { "$unset": { "reply": "" } })
            .return_document(ReturnDocument::After)
            .await?
            .map(Into::into))
    }

    /// Every review `user` wrote, newest first.
    pub async fn by_user(&self, user: ObjectId) -> mongodb::error::Result<Vec<Review>> {
        let docs: Vec<ReviewDoc> = self
            .coll
            .find(doc! { "user": user })
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Deletes every review of a course.
    pub async fn delete_for_course(&self, course: ObjectId) -> mongodb::error::Result<u64> {
        Ok(self
            .coll
            .delete_many(doc! { "course": course })
            .await?
            .deleted_count)
    }

    /// One page of a course's counted reviews (optionally of one star rating), and how many there are.
    pub async fn list_public(
        &self,
        course: ObjectId,
        rating: Option<Stars>,
        sort: ReviewSort,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Review>, u64)> {
        let mut filter = counted();
        filter.insert("course", course);
        if let Some(stars) = rating {
            filter.insert("rating", i64::from(stars));
        }
        self.page(filter, sort.doc(), skip, limit).await
    }

    /// One page of `user`'s reviews, hidden and refunded ones included, newest first.
    pub async fn list_by_user(
        &self,
        user: ObjectId,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Review>, u64)> {
        self.page(doc! { "user": user }, ReviewSort::Newest.doc(), skip, limit)
            .await
    }

    async fn page(
        &self,
        filter: Document,
        sort: Document,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Review>, u64)> {
        let total = self.coll.count_documents(filter.clone()).await?;
        let docs: Vec<ReviewDoc> = self
            .coll
            .find(filter)
            .sort(sort)
            .skip(skip)
            .limit(i64::try_from(limit).unwrap_or(100))
            .await?
            .try_collect()
            .await?;
        Ok((docs.into_iter().map(Into::into).collect(), total))
    }

    /// The aggregate of a course as its counted reviews say (the repair task's reference).
    pub async fn histogram(&self, course: ObjectId) -> mongodb::error::Result<Histogram> {
        let mut filter = counted();
        filter.insert("course", course);
        let mut histogram = Histogram::default();
        // Only the stars are read, so the raw documents rather than `ReviewDoc`.
        let mut raw = self
            .coll
            .clone_with_type::<Document>()
            .find(filter)
            .projection(doc! { "rating": 1 })
            .await?;
        while let Some(d) = raw.try_next().await? {
            if let Some(stars) = d
                .get("rating")
                .and_then(rating_value)
                .and_then(|n| Stars::new(n).ok())
            {
                histogram.add(stars);
            }
        }
        Ok(histogram)
    }

    /// The ids of every course that has at least one review.
    pub async fn courses(&self) -> mongodb::error::Result<Vec<ObjectId>> {
        let ids = self.coll.distinct("course", doc! {}).await?;
        Ok(ids.into_iter().filter_map(|b| b.as_object_id()).collect())
    }
}

/// A stored rating, whichever integer type the driver wrote it as.
fn rating_value(b: &mongodb::bson::Bson) -> Option<i64> {
    match b {
        mongodb::bson::Bson::Int32(n) => Some(i64::from(*n)),
        mongodb::bson::Bson::Int64(n) => Some(*n),
        _ => None,
    }
}
