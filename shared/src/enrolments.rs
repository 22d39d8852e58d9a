//! `enrolments`: which students are enrolled in which course, projected from `purchase.completed` and
//! `purchase.refunded`. course-service (access checks, student lists, enrolment counts) and
//! progress-service (never-opened courses in `GET /progress`, student counts) keep the same projection, so
//! its upsert and queries live here once; each service's [`Layout`] keeps the field and index names its
//! deployed data already has (docs/architecture.md, "How a service is assembled").

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, Document, doc, oid::ObjectId};
use mongodb::{Collection, Database, IndexModel};
use serde::Deserialize;

use crate::stores::{Indexes, is_duplicate_key, to_bson, to_chrono};

/// How one service's documents are named: `{ _id, <course>, <user>, purchaseId, enrolledAt }`.
pub struct Layout {
    /// The field holding the course's ObjectId.
    pub course: &'static str,
    /// The field holding the student's ObjectId.
    pub user: &'static str,
    /// The indexes, including the unique one on (course, user) that makes `enrol` safe under races.
    pub indexes: fn() -> Vec<IndexModel>,
}

/// One student enrolled in one course.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub course_id: String,
    pub user_id: String,
    pub enrolled_at: DateTime<Utc>,
}

/// A document under the layout-independent names.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    course: ObjectId,
    user: ObjectId,
    enrolled_at: BsonDateTime,
}

/// Typed access to `enrolments`.
#[derive(Clone)]
pub struct EnrolmentStore {
    coll: Collection<Document>,
    layout: &'static Layout,
}

impl EnrolmentStore {
    pub fn new(db: &Database, layout: &'static Layout) -> Self {
        Self {
            coll: db.collection("enrolments"),
            layout,
        }
    }

    /// The layout's indexes.
    pub fn indexes(&self) -> Indexes {
        Indexes::on(&self.coll, (self.layout.indexes)())
    }

    fn pair(&self, course: ObjectId, user: ObjectId) -> Document {
        doc! { self.layout.course: course, self.layout.user: user }
    }

    /// Enrols `user` in `course`; `true` when this call created the enrolment. The earliest time wins, so
    /// events applied out of order leave the first enrolment time.
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
                self.pair(course, user),
                doc! {
                    "$setOnInsert": { "_id": ObjectId::new(), "purchaseId": purchase_id },
                    "$min": { "enrolledAt": to_bson(at) },
                },
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
        let result = self.coll.delete_one(self.pair(course, user)).await?;
        Ok(result.deleted_count == 1)
    }

    pub async fn is_enrolled(
        &self,
        course: ObjectId,
        user: ObjectId,
    ) -> mongodb::error::Result<bool> {
        Ok(self
            .coll
            .find_one(self.pair(course, user))
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
        let filter = doc! { self.layout.course: course };
        let total = self.coll.count_documents(filter.clone()).await?;
        let newest_first = doc! { "enrolledAt": -1, "_id": -1 };
        let rows = self.rows(filter, newest_first, Some((skip, limit))).await?;
        let enrolments = rows
            .into_iter()
            .map(|r| Enrolment {
                course_id: r.course.to_hex(),
                user_id: r.user.to_hex(),
                enrolled_at: to_chrono(r.enrolled_at),
            })
            .collect();
        Ok((enrolments, total))
    }

    /// The courses `user` is enrolled in, with when, oldest enrolment first.
    pub async fn courses_of(
        &self,
        user: ObjectId,
    ) -> mongodb::error::Result<Vec<(ObjectId, DateTime<Utc>)>> {
        let rows = self
            .rows(
                doc! { self.layout.user: user },
                doc! { "enrolledAt": 1 },
                None,
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.course, to_chrono(r.enrolled_at)))
            .collect())
    }

    /// The students enrolled in `course`.
    pub async fn users_of(&self, course: ObjectId) -> mongodb::error::Result<Vec<ObjectId>> {
        let rows = self
            .rows(doc! { self.layout.course: course }, doc! {}, None)
            .await?;
        Ok(rows.into_iter().map(|r| r.user).collect())
    }

    /// Removes every enrolment of a course.
    pub async fn delete_for_course(&self, course: ObjectId) -> mongodb::error::Result<()> {
        self.coll
            .delete_many(doc! { self.layout.course: course })
            .await?;
        Ok(())
    }

    /// Removes every enrolment of a student.
    pub async fn delete_for_user(&self, user: ObjectId) -> mongodb::error::Result<()> {
        self.coll
            .delete_many(doc! { self.layout.user: user })
            .await?;
        Ok(())
    }

    /// The matching documents in `sort` order; `page` is `(skip, limit)`, or every one.
    async fn rows(
        &self,
        filter: Document,
        sort: Document,
        page: Option<(u64, u64)>,
    ) -> mongodb::error::Result<Vec<Row>> {
        let find = self.coll.find(filter).sort(sort);
        let find = match page {
            Some((skip, limit)) => find.skip(skip).limit(i64::try_from(limit).unwrap_or(100)),
            None => find,
        };
        let docs: Vec<Document> = find.await?.try_collect().await?;
        docs.into_iter().map(|d| self.row(d)).collect()
    }

    /// Reads a document through the layout's names.
    fn row(&self, mut d: Document) -> mongodb::error::Result<Row> {
        let canonical = doc! {
            "course": d.remove(self.layout.course),
            "user": d.remove(self.layout.user),
            "enrolledAt": d.remove("enrolledAt"),
        };
        Ok(mongodb::bson::from_document(canonical)?)
    }
}
