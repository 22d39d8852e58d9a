//! The `courses` collection. Prices are integer cents; `titleKey`/`categoryKey` are lower-cased copies so
//! sorting by title and filtering by category are case-insensitive and served by indexes.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use super::CourseQuery;
use crate::domain::{Histogram, Level, Price, RatingDelta, rating};
use shared::stores::{Indexes, index, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CourseDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    title: String,
    title_key: String,
    subtitle: String,
    description: String,
    category: String,
    category_key: String,
    level: Level,
    price_cents: i64,
    thumbnail_key: String,
    instructor: ObjectId,
    /// Lecture ids in lecture order.
    lectures: Vec<ObjectId>,
    total_duration: f64,
    is_published: bool,
    enrolled_count: i64,
    /// Absent on courses stored before reviews existed, and until the first review.
    #[serde(default)]
    rating: RatingDoc,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
}

/// The rating aggregate, changed only by `$inc` of the star counts, the count and the sum. `average` is
/// derived (for sorting and `minRating`) and set by a write conditional on the count and sum it was
/// computed from, so a stale value never overwrites a newer one.
#[derive(Debug, Default, Serialize, Deserialize)]
struct RatingDoc {
    count: i64,
    sum: i64,
    average: f64,
    h1: i64,
    h2: i64,
    h3: i64,
    h4: i64,
    h5: i64,
}

impl RatingDoc {
    fn histogram(&self) -> Histogram {
        Histogram([self.h1, self.h2, self.h3, self.h4, self.h5])
    }
}

/// The field of the count of `stars`-star reviews (`rating.h1`..`rating.h5`).
const STAR_FIELDS: [&str; 5] = [
    "rating.h1",
    "rating.h2",
    "rating.h3",
    "rating.h4",
    "rating.h5",
];

/// A course as the rest of the service sees it.
#[derive(Debug, Clone)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub category: String,
    pub level: Level,
    pub price: Price,
    pub thumbnail_key: String,
    pub instructor_id: String,
    pub lecture_ids: Vec<String>,
    pub total_duration: f64,
    pub is_published: bool,
    pub enrolled_count: i64,
    /// How many counted reviews gave each number of stars.
    pub rating: Histogram,
    /// The stored average (0 without reviews) that `minRating` and `sortBy=rating` read.
    pub rating_average: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CourseDoc> for Course {
    fn from(d: CourseDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            title: d.title,
            subtitle: d.subtitle,
            description: d.description,
            category: d.category,
            level: d.level,
            price: Price::from_cents(d.price_cents),
            thumbnail_key: d.thumbnail_key,
            instructor_id: d.instructor.to_hex(),
            lecture_ids: d.lectures.iter().map(|id| id.to_hex()).collect(),
            total_duration: d.total_duration,
            is_published: d.is_published,
            enrolled_count: d.enrolled_count,
            rating: d.rating.histogram(),
            rating_average: d.rating.average,
            created_at: to_chrono(d.created_at),
            updated_at: to_chrono(d.updated_at),
        }
    }
}

/// What creating a course needs.
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub category: String,
    pub level: Level,
    pub price: Price,
    pub thumbnail_key: String,
    pub instructor: ObjectId,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CourseChanges {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub level: Option<Level>,
    pub price: Option<Price>,
    pub thumbnail_key: Option<String>,
}

/// Typed access to `courses`.
#[derive(Clone)]
pub struct CourseStore {
    coll: Collection<CourseDoc>,
}

impl CourseStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("courses"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(
                    doc! { "isPublished": 1, "createdAt": -1 },
                    "published_newest",
                    false,
                ),
                index(
                    doc! { "isPublished": 1, "categoryKey": 1, "createdAt": -1 },
                    "published_category_newest",
                    false,
                ),
                index(
                    doc! { "isPublished": 1, "level": 1, "createdAt": -1 },
                    "published_level_newest",
                    false,
                ),
                index(
                    doc! { "isPublished": 1, "priceCents": 1 },
                    "published_price",
                    false,
                ),
                index(
                    doc! { "isPublished": 1, "titleKey": 1 },
                    "published_title",
                    false,
                ),
                index(
                    doc! { "isPublished": 1, "rating.average": -1, "rating.count": -1, "_id": -1 },
                    "published_rating",
                    false,
                ),
                index(
                    doc! { "instructor": 1, "createdAt": -1 },
                    "instructor_newest",
                    false,
                ),
            ],
        )
    }

    pub async fn insert(&self, new: NewCourse) -> mongodb::error::Result<Course> {
        let now = BsonDateTime::now();
        let doc = CourseDoc {
            id: ObjectId::new(),
            title_key: new.title.to_lowercase(),
            title: new.title,
            subtitle: new.subtitle,
            description: new.description,
            category_key: new.category.to_lowercase(),
            category: new.category,
            level: new.level,
            price_cents: new.price.cents(),
            thumbnail_key: new.thumbnail_key,
            instructor: new.instructor,
            lectures: Vec::new(),
            total_duration: 0.0,
            is_published: false,
            enrolled_count: 0,
            rating: RatingDoc::default(),
            created_at: now,
            updated_at: now,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    pub async fn find_by_id(&self, id: ObjectId) -> mongodb::error::Result<Option<Course>> {
        Ok(self
            .coll
            .find_one(doc! { "_id": id })
            .await?
            .map(Into::into))
    }

    /// One page of courses matching `query`, and how many match in all.
    pub async fn list(
        &self,
        query: &CourseQuery,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Course>, u64)> {
        let filter = query.filter();
        let total = self.coll.count_documents(filter.clone()).await?;
        let docs: Vec<CourseDoc> = self
            .coll
            .find(filter)
            .sort(query.sort_doc())
            .skip(skip)
            .limit(i64::try_from(limit).unwrap_or(100))
            .await?
            .try_collect()
            .await?;
        Ok((docs.into_iter().map(Into::into).collect(), total))
    }

    /// Applies `changes`; returns the course before and after, or `None` when it does not exist.
    pub async fn update(
        &self,
        id: ObjectId,
        changes: CourseChanges,
    ) -> mongodb::error::Result<Option<(Course, Course)>> {
        let mut set = doc! { "updatedAt": BsonDateTime::now() };
        if let Some(title) = changes.title {
            set.insert("titleKey", title.to_lowercase());
            set.insert("title", title);
        }
        if let Some(v) = changes.subtitle {
            set.insert("subtitle", v);
        }
        if let Some(v) = changes.description {
            set.insert("description", v);
        }
        if let Some(category) = changes.category {
            set.insert("categoryKey", category.to_lowercase());
            set.insert("category", category);
        }
        if let Some(level) = changes.level {
            set.insert("level", level.as_str());
        }
        if let Some(price) = changes.price {
            set.insert("priceCents", price.cents());
        }
        if let Some(key) = changes.thumbnail_key {
            set.insert("thumbnailKey", key);
        }
        let before = self
            .coll
            .find_one_and_update(doc! { "_id": id }, doc! { "$set": set })
            .return_document(ReturnDocument::Before)
            .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let after = self.find_by_id(id).await?;
        Ok(after.map(|after| (before.into(), after)))
    }

    /// Publishes or unpublishes; publishing needs at least one lecture (`None` also when it has none).
    pub async fn set_published(
        &self,
        id: ObjectId,
        publish: bool,
    ) -> mongodb::error::Result<Option<Course>> {
        let mut filter = doc! { "_id": id };
        if publish {
            filter.insert("lectures.0", doc! { "$exists": true });
        }
        let doc = self
            .coll
            .find_one_and_update(
                filter,
                doc! { "$set": { "isPublished": publish, "updatedAt": BsonDateTime::now() } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        Ok(doc.map(Into::into))
    }

    /// Stores the course's lecture list (in order) and total duration.
    pub async fn set_lectures(
        &self,
        id: ObjectId,
        lectures: Vec<ObjectId>,
        total_duration: f64,
    ) -> mongodb::error::Result<Option<Course>> {
        let doc = self
            .coll
            .find_one_and_update(
                doc! { "_id": id },
                doc! { "$set": {
                    "lectures": lectures,
                    "totalDuration": total_duration,
                    "updatedAt": BsonDateTime::now(),
                } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        Ok(doc.map(Into::into))
    }

    /// Adds `delta` to the enrolled-students counter.
    pub async fn add_enrolled(&self, id: ObjectId, delta: i64) -> mongodb::error::Result<()> {
        self.coll
            .update_one(
                doc! { "_id": id },
                doc! { "$inc": { "enrolledCount": delta } },
            )
            .await?;
        Ok(())
    }

    /// Applies a change to the rating aggregate (atomic increments), then brings `rating.average` up to
    /// date. `None` when the course is gone.
    pub async fn apply_rating(
        &self,
        id: ObjectId,
        delta: RatingDelta,
    ) -> mongodb::error::Result<Option<Histogram>> {
        let mut inc = doc! { "rating.count": delta.count(), "rating.sum": delta.sum() };
        for (field, n) in STAR_FIELDS.iter().zip(delta.0) {
            if n != 0 {
                inc.insert(*field, n);
            }
        }
        let after = self
            .coll
            .find_one_and_update(doc! { "_id": id }, doc! { "$inc": inc })
            .return_document(ReturnDocument::After)
            .await?;
        let Some(after) = after else {
            return Ok(None);
        };
        let (count, sum) = (after.rating.count, after.rating.sum);
        // Matches only while no later change landed; that change sets its own (newer) average.
        self.coll
            .update_one(
                doc! { "_id": id, "rating.count": count, "rating.sum": sum },
                doc! { "$set": { "rating.average": rating::average(sum, count).unwrap_or(0.0) } },
            )
            .await?;
        Ok(Some(after.rating.histogram()))
    }

    /// Replaces the aggregate with `actual` if it still is `expected` (the repair task); whether it did.
    pub async fn set_rating(
        &self,
        id: ObjectId,
        expected: Histogram,
        actual: Histogram,
    ) -> mongodb::error::Result<bool> {
        let mut filter = doc! { "_id": id };
        let mut set = doc! {
            "rating.count": actual.count(),
            "rating.sum": actual.sum(),
            "rating.average": actual.average().unwrap_or(0.0),
        };
        for ((field, was), now) in STAR_FIELDS.iter().zip(expected.0).zip(actual.0) {
            // A missing field (no review yet) reads as 0.
            if was == 0 {
                filter.insert(*field, doc! { "$in": [0_i64, null] });
            } else {
                filter.insert(*field, was);
            }
            set.insert(*field, now);
        }
        let result = self.coll.update_one(filter, doc! { "$set": set }).await?;
        Ok(result.matched_count == 1)
    }

    /// Deletes the course only while its enrolled count is at most `max_enrolled` (`None`: any).
    pub async fn delete(
        &self,
        id: ObjectId,
        max_enrolled: Option<i64>,
    ) -> mongodb::error::Result<Option<Course>> {
        let mut filter = doc! { "_id": id };
        if let Some(max) = max_enrolled {
            filter.insert("enrolledCount", doc! { "$lte": max });
        }
        Ok(self.coll.find_one_and_delete(filter).await?.map(Into::into))
    }

    /// Unpublishes every published course of `instructor`; returns the courses changed.
    pub async fn unpublish_by_instructor(
        &self,
        instructor: ObjectId,
    ) -> mongodb::error::Result<Vec<Course>> {
        let filter = doc! { "instructor": instructor, "isPublished": true };
        let docs: Vec<CourseDoc> = self.coll.find(filter.clone()).await?.try_collect().await?;
        self.coll
            .update_many(
                filter,
                doc! { "$set": { "isPublished": false, "updatedAt": BsonDateTime::now() } },
            )
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Course {
                is_published: false,
                ..d.into()
            })
            .collect())
    }
}
