//! What progress routes answer, built from a stored record and the course as it is now. Every body is the
//! seed's `{ status: "success", data }` plus `success: true`.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::internal::CourseSummary;
use utoipa::ToSchema;

use crate::domain::{CourseProgress, Resume};

/// The error envelope every progress route answers with (the schema `ErrorEnvelope`).
pub use shared::error::ErrorBody as ErrorEnvelope;

/// A body type `{ success: true, status: "success", data }` per shape of `data`: one named type serialises
/// and documents each answer, so the two cannot drift (docs/contract.md).
macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident($data:ty)) => {
        $(#[$doc])*
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            #[schema(example = true)]
            pub success: bool,
            #[schema(example = "success")]
            pub status: &'static str,
            pub data: $data,
        }

        impl $name {
            /// 200 with `data` in the envelope.
            pub fn ok(data: $data) -> HttpResponse {
                HttpResponse::Ok().json(Self {
                    success: true,
                    status: "success",
                    data,
                })
            }
        }
    };
}

envelope!(
    /// `{ success, status: "success", data: CourseProgressView }`.
    CourseProgressResponse(CourseProgressView)
);
envelope!(
    /// `{ success, status: "success", data: ResumeView }`.
    ResumeResponse(ResumeView)
);
envelope!(
    /// `{ success, status: "success", data: [SummaryRow] }`.
    SummaryResponse(Vec<SummaryRow>)
);
envelope!(
    /// `{ success, status: "success", data: StatsView }`.
    StatsResponse(StatsView)
);

/// A lecture of the course, in course order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    /// Seconds.
    pub duration: f64,
    pub order: i32,
    pub is_preview: bool,
}

/// The course a record belongs to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseDetails {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    /// Public URL of the thumbnail.
    pub thumbnail: String,
    pub lectures: Vec<LectureRef>,
}

/// One lecture's progress (every current lecture has one; untouched ones are zero).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureProgressView {
    pub lecture_id: String,
    pub is_completed: bool,
    /// Unique seconds watched (re-watching never adds).
    pub watch_time: u64,
    /// Seconds.
    pub last_position: f64,
    #[schema(required = true)]
    pub last_watched: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    /// The merged watched segments, `[[from, to], ...]` in whole seconds.
    pub watched: Vec<[u64; 2]>,
}

/// `GET /progress/{courseId}` and every route that changes a record.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseProgressView {
    pub course_details: CourseDetails,
    pub progress: Vec<LectureProgressView>,
    /// `round(100 × completed / lectures the course has now)`.
    pub completion_percentage: u32,
    /// Sticky: true once every lecture was completed, even if lectures were added later.
    pub is_completed: bool,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub last_accessed: Option<DateTime<Utc>>,
}

/// `GET /progress/{courseId}/resume`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumeView {
    /// Null only for a course without lectures.
    #[schema(required = true)]
    pub lecture_id: Option<String>,
    /// Seconds.
    pub last_position: f64,
}

impl From<Resume> for ResumeView {
    fn from(r: Resume) -> Self {
        Self {
            lecture_id: r.lecture_id,
            last_position: r.last_position,
        }
    }
}

/// The course of a summary row.
#[derive(Serialize, ToSchema)]
pub struct CourseRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    pub thumbnail: String,
}

/// One row of `GET /progress`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRow {
    pub course: CourseRef,
    pub completion_percentage: u32,
    pub is_completed: bool,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub last_accessed: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
}

/// How many students completed one lecture.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureStat {
    pub lecture_id: String,
    pub title: String,
    pub completed: u64,
}

/// `GET /progress/{courseId}/stats`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsView {
    /// Students enrolled now.
    pub enrolled: u64,
    /// Enrolled students who touched at least one lecture.
    pub started: u64,
    /// Enrolled students who completed the course (sticky).
    pub completed: u64,
    /// Mean live completion percentage over enrolled students (never-opened count as 0), one decimal.
    pub average_completion: f64,
    /// In lecture order: the drop-off curve.
    pub lectures: Vec<LectureStat>,
}

/// The full view of a record against the course's current lectures.
pub fn course_progress(course: &CourseSummary, record: &CourseProgress) -> CourseProgressView {
    let progress = course
        .lectures
        .iter()
        .map(|l| {
            let lp = record.lecture(&l.id);
            LectureProgressView {
                lecture_id: l.id.clone(),
                is_completed: lp.is_some_and(|p| p.is_completed),
                watch_time: lp.map_or(0, |p| p.watch_time(l.duration)),
                last_position: lp.map_or(0.0, |p| p.last_position),
                last_watched: lp.and_then(|p| p.last_watched),
                completed_at: lp.and_then(|p| p.completed_at),
                watched: lp.map_or_else(Vec::new, |p| {
                    p.watched.runs().into_iter().map(|(a, b)| [a, b]).collect()
                }),
            }
        })
        .collect();
    CourseProgressView {
        course_details: CourseDetails {
            id: course.id.clone(),
            title: course.title.clone(),
            thumbnail: course.thumbnail.clone(),
            lectures: course
                .lectures
                .iter()
                .map(|l| LectureRef {
                    id: l.id.clone(),
                    title: l.title.clone(),
                    duration: l.duration,
                    order: l.order,
                    is_preview: l.is_preview,
                })
                .collect(),
        },
        progress,
        completion_percentage: record.percentage(&course.lectures),
        is_completed: record.completed_at.is_some(),
        completed_at: record.completed_at,
        last_accessed: record.last_accessed,
    }
}
