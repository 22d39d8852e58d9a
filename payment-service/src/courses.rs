//! The course-service client: a course's title, price in cents, owner and publication, from its internal
//! route (`GET /internal/courses/{courseId}`, service token, timeout), and whether an enrolment is in place
//! (`.../enrolments/{userId}`, for purchase-status's `accessReady`). No cache: the price a student pays
//! must be the price at the moment of checkout.

use shared::config::Upstream;
use shared::internal::{CourseSummary, CourseSummaryResponse, EnrolmentCheck};
use shared::internal_client::InternalClient;

/// Talks to course-service's internal routes.
#[derive(Clone)]
pub struct CourseClient {
    internal: InternalClient,
}

impl CourseClient {
    pub fn new(course_service: &Upstream, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            internal: InternalClient::new(course_service, token, "course-service")?,
        })
    }

    /// The course, drafts included; `Ok(None)` when course-service does not know it.
    pub async fn course(&self, id: &str) -> anyhow::Result<Option<CourseSummary>> {
        let body: Option<CourseSummaryResponse> = self
            .internal
            .get(&format!("/internal/courses/{id}"))
            .await?;
        Ok(body.map(|b| b.course))
    }

    /// Whether course-service has applied `user`'s enrolment in `course` (it follows a purchase as an
    /// event, so for a moment after the payment it may not have). Unknown course: `false`.
    pub async fn enrolled(&self, course: &str, user: &str) -> anyhow::Result<bool> {
        let check: Option<EnrolmentCheck> = self
            .internal
            .get(&format!("/internal/courses/{course}/enrolments/{user}"))
            .await?;
        Ok(check.is_some_and(|c| c.enrolled))
    }
}
