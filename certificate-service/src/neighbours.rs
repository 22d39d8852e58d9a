//! The two services a certificate is made from, over their internal routes (service token, timeout): the
//! learner's and instructor's names from auth-service (`GET /internal/users/{id}`), the course's title,
//! description and instructor from course-service (`GET /internal/courses/{id}`). No cache: a certificate
//! records what was true when it was issued, and verification asks whether the course still exists.

use anyhow::Context;
use serde::Deserialize;
use shared::config::Upstream;
use shared::internal::{CourseSummary, CourseSummaryResponse};
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

/// What a certificate needs of an account.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    #[serde(default = "active")]
    pub is_active: bool,
}

fn active() -> bool {
    true
}

#[derive(Deserialize)]
struct PersonResponse {
    user: Person,
}

/// One neighbour's internal routes.
#[derive(Clone)]
struct Internal {
    http: reqwest::Client,
    base_url: String,
    token: String,
    name: &'static str,
}

impl Internal {
    fn new(upstream: &Upstream, token: &str, name: &'static str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(upstream.timeout)
            .connect_timeout(upstream.timeout)
            .build()
            .with_context(|| format!("building the {name} client"))?;
        Ok(Self {
            http,
            base_url: upstream.url.clone(),
            token: token.to_owned(),
            name,
        })
    }

    /// `GET` with the service token: the body on 200, `None` on 400 or 404.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<Option<T>> {
        let res = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header(INTERNAL_TOKEN_HEADER, &self.token)
            .send()
            .await
            .with_context(|| format!("calling {}", self.name))?;
        match res.status().as_u16() {
            200 => Ok(Some(res.json().await.with_context(|| {
                format!("reading {}'s answer to {path}", self.name)
            })?)),
            400 | 404 => Ok(None),
            status => anyhow::bail!("{} answered {status} to {path}", self.name),
        }
    }
}

/// auth-service and course-service. Cheap to clone.
#[derive(Clone)]
pub struct Neighbours {
    auth: Internal,
    course: Internal,
}

impl Neighbours {
    pub fn new(auth: &Upstream, course: &Upstream, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            auth: Internal::new(auth, token, "auth-service")?,
            course: Internal::new(course, token, "course-service")?,
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
