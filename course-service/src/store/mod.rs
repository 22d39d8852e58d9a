//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod course_query;
mod courses;
mod enrolments;
mod lectures;

use anyhow::Context;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

pub use course_query::{CourseQuery, CourseSort};
pub use courses::{Course, CourseChanges, CourseStore, NewCourse};
pub use enrolments::{Enrolment, EnrolmentStore};
pub use lectures::{Lecture, LectureChanges, LectureStore, NewLecture};
pub use shared::outbox::{OutboxEntry, OutboxStore};

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub courses: CourseStore,
    pub lectures: LectureStore,
    pub enrolments: EnrolmentStore,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            courses: CourseStore::new(&db),
            lectures: LectureStore::new(&db),
            enrolments: EnrolmentStore::new(&db),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> anyhow::Result<()> {
        self.courses
            .ensure_indexes()
            .await
            .context("creating courses indexes")?;
        self.lectures
            .ensure_indexes()
            .await
            .context("creating lectures indexes")?;
        self.enrolments
            .ensure_indexes()
            .await
            .context("creating enrolments indexes")?;
        self.outbox
            .ensure_indexes()
            .await
            .context("creating outbox indexes")?;
        Ok(())
    }
}

/// Builds an index model with a stable name.
fn index(keys: mongodb::bson::Document, name: &str, unique: bool) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .unique(unique.then_some(true))
        .build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// A TTL index that removes a document `secs` after its `field` time.
fn ttl_index(field: &str, name: &str, secs: u64) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .expire_after(std::time::Duration::from_secs(secs))
        .build();
    IndexModel::builder()
        .keys(doc! { field: 1 })
        .options(options)
        .build()
}

async fn create_indexes<T: Send + Sync>(
    coll: &Collection<T>,
    models: Vec<IndexModel>,
) -> anyhow::Result<()> {
    coll.create_indexes(models).await?;
    Ok(())
}

/// Converts a BSON time to chrono.
fn to_chrono(t: BsonDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

/// Converts a chrono time to BSON.
fn to_bson(t: chrono::DateTime<chrono::Utc>) -> BsonDateTime {
    BsonDateTime::from_millis(t.timestamp_millis())
}

/// Parses an ObjectId hex string; `None` for anything malformed.
pub fn object_id(id: &str) -> Option<ObjectId> {
    ObjectId::parse_str(id).ok()
}

pub use shared::stores::is_duplicate_key;
