//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod course_query;
mod courses;
mod enrolments;
mod lectures;
mod reviews;

use mongodb::Database;
use shared::processed::ProcessedEvents;
use shared::stores::{IndexError, ensure_indexes};

pub use course_query::{CourseQuery, CourseSort};
pub use courses::{Course, CourseChanges, CourseStore, NewCourse};
pub use lectures::{Lecture, LectureChanges, LectureStore, NewLecture};
pub use reviews::{
    Hidden, Reply, Review, ReviewSort, ReviewStore, edit_update, moderation_update, refund_update,
};
pub use shared::enrolments::{Enrolment, EnrolmentStore};
pub use shared::outbox::{OutboxEntry, OutboxStore};

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub courses: CourseStore,
    pub lectures: LectureStore,
    pub enrolments: EnrolmentStore,
    pub reviews: ReviewStore,
    /// The ids of the events the consumer has applied.
    pub processed: ProcessedEvents,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            courses: CourseStore::new(&db),
            lectures: LectureStore::new(&db),
            enrolments: EnrolmentStore::new(&db, &enrolments::LAYOUT),
            reviews: ReviewStore::new(&db),
            processed: ProcessedEvents::new(&db, "at", "at_ttl"),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> Result<(), IndexError> {
        ensure_indexes([
            self.courses.indexes(),
            self.lectures.indexes(),
            self.enrolments.indexes(),
            self.reviews.indexes(),
            self.processed.indexes(),
            self.outbox.indexes(),
        ])
        .await
    }
}

pub use shared::stores::{is_duplicate_key, object_id};
