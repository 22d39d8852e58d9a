//! The two services a certificate is made from, over their internal routes (service token, timeout): the
//! learner's and instructor's names from auth-service (`GET /internal/users/{id}`), the course's title,
//! description and instructor from course-service (`GET /internal/courses/{id}`). No cache: a certificate
//! records what was true when it was issued, and verification asks whether the course still exists.

use serde::Deserialize;
use shared::config::Upstream;
use shared::internal::{CourseSummary, CourseSummaryResponse};
use shared::internal_client::InternalClient;

/// What a certificate needs of an account.
#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct PersonResponse {
    user: Person,
}

/// auth-service and course-service. Cheap to clone.
#[derive(Clone)]
pub struct Neighbours {
    auth: InternalClient,
    course: InternalClient,
}

impl Neighbours {
    pub fn new(auth: &Upstream, course: &Upstream, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            auth: InternalClient::new(auth, token, "auth-service")?,
            course: InternalClient::new(course, token, "course-service")?,
        })
    }

    /// The account; `None` when auth-service does not know it (deleted).
    pub async fn person(&self, id: &str) -> anyhow::Result<Option<Person>> {
        let body: Option<PersonResponse> = self.auth.get(&format!("/internal/users/{id}")).await?;
        Ok(body.map(|b| b.user))
    }

    /// The course, drafts included; `None` when course-service does not know it (deleted).
    pub async fn course(&self, id: &str) -> anyhow::Result<Option<CourseSummary>> {
        let body: Option<CourseSummaryResponse> =
            self.course.get(&format!("/internal/courses/{id}")).await?;
        Ok(body.map(|b| b.course))
    }
}
