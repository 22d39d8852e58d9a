//! The course-service client: a course's title, price in cents, owner and publication, from its internal
//! route (`GET /internal/courses/{courseId}`, service token, timeout), and whether an enrolment is in place
//! (`.../enrolments/{userId}`, for purchase-status's `accessReady`). No cache: the price a student pays
//! must be the price at the moment of checkout.

use anyhow::Context;
use shared::config::Upstream;
use shared::internal::{CourseSummary, CourseSummaryResponse, EnrolmentCheck};
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

/// Talks to course-service's internal routes.
#[derive(Clone)]
pub struct CourseClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl CourseClient {
    pub fn new(course_service: &Upstream, token: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(course_service.timeout)
            .connect_timeout(course_service.timeout)
            .build()
            .context("building the course-service client")?;
        Ok(Self {
            http,
            base_url: course_service.url.clone(),
            token: token.to_owned(),
        })
    }

    /// The course, drafts included; `Ok(None)` when course-service does not know it.
    pub async fn course(&self, id: &str) -> anyhow::Result<Option<CourseSummary>> {
        let body: Option<CourseSummaryResponse> = self
            .internal(&format!("/internal/courses/{id}"), "course summary")
            .await?;
        Ok(body.map(|b| b.course))
    }

    /// Whether course-service has applied `user`'s enrolment in `course` (it follows a purchase as an
    /// event, so for a moment after the payment it may not have). Unknown course: `false`.
    pub async fn enrolled(&self, course: &str, user: &str) -> anyhow::Result<bool> {
        let check: Option<EnrolmentCheck> = self
            .internal(
                &format!("/internal/courses/{course}/enrolments/{user}"),
                "enrolment check",
            )
            .await?;
        Ok(check.is_some_and(|c| c.enrolled))
    }

    /// `GET` an internal route with the service token: the body on 200, `None` on 400 or 404.
    async fn internal<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> anyhow::Result<Option<T>> {
        let res = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header(INTERNAL_TOKEN_HEADER, &self.token)
            .send()
            .await
            .context("calling course-service")?;
        match res.status().as_u16() {
            200 => {
                Ok(Some(res.json().await.with_context(|| {
                    format!("reading course-service's {what}")
                })?))
            }
            400 | 404 => Ok(None),
            status => anyhow::bail!("course-service answered {status}"),
        }
    }
}
