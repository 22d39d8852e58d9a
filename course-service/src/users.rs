//! Names, e-mails and avatars of users, read from auth-service's `POST /internal/users/batch` in one call
//! per page and cached briefly in process (a cache only: each replica keeps its own).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use shared::config::Upstream;
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

/// What listings show of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UserSummary {
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    /// `false` for a deactivated account (`None`: auth-service did not say).
    pub is_active: Option<bool>,
}

#[derive(Deserialize)]
struct BatchUser {
    #[serde(rename = "_id")]
    id: String,
    name: Option<String>,
    email: Option<String>,
    avatar: Option<String>,
    #[serde(rename = "isActive")]
    is_active: Option<bool>,
}

#[derive(Deserialize)]
struct BatchResponse {
    users: Vec<BatchUser>,
}

/// The batch endpoint's limit.
const BATCH_MAX: usize = 100;
/// The cache is dropped whole beyond this many entries (simple, and bounded).
const CACHE_MAX: usize = 10_000;

/// Cached lookups by user id: when fetched, and the summary (`None`: unknown to auth-service).
type Cache = HashMap<String, (Instant, Option<UserSummary>)>;

/// Looks users up in auth-service with a short cache. Cheap to clone.
#[derive(Clone)]
pub struct UserDirectory {
    client: reqwest::Client,
    url: String,
    token: String,
    ttl: Duration,
    /// `None` remembers that auth-service does not know the id.
    cache: Arc<Mutex<Cache>>,
}

impl UserDirectory {
    pub fn new(auth_service: &Upstream, token: &str, ttl: Duration) -> reqwest::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(auth_service.timeout)
                .build()?,
            url: format!("{}/internal/users/batch", auth_service.url),
            token: token.to_owned(),
            ttl,
            cache: Arc::default(),
        })
    }

    /// Summaries of `ids` (deduplicated). Unknown users are absent; when auth-service cannot be reached
    /// the listing still works, without names (logged).
    pub async fn lookup(&self, ids: &[String]) -> HashMap<String, UserSummary> {
        let mut found = HashMap::new();
        let mut missing: Vec<String> = Vec::new();
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for id in ids {
                match cache.get(id) {
                    Some((at, Some(summary))) if at.elapsed() < self.ttl => {
                        found.insert(id.clone(), summary.clone());
                    }
                    Some((at, None)) if at.elapsed() < self.ttl => {}
                    _ if !missing.contains(id) => missing.push(id.clone()),
                    _ => {}
                }
            }
        }
        for chunk in missing.chunks(BATCH_MAX) {
            match self.fetch(chunk).await {
                Ok(users) => {
                    let now = Instant::now();
                    let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                    if cache.len() > CACHE_MAX {
                        cache.clear();
                    }
                    for id in chunk {
                        let entry = users.get(id).cloned();
                        if let Some(summary) = &entry {
                            found.insert(id.clone(), summary.clone());
                        }
                        cache.insert(id.clone(), (now, entry));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, users = chunk.len(), "auth-service user lookup failed; listing without names");
                }
            }
        }
        found
    }

    async fn fetch(&self, ids: &[String]) -> reqwest::Result<HashMap<String, UserSummary>> {
        let mut req = self
            .client
            .post(&self.url)
            .header(INTERNAL_TOKEN_HEADER, &self.token);
        // The lookup joins the caller's trace (gateway → course-service → auth-service).
        if let Some(traceparent) = shared::telemetry::traceparent_from_current_span() {
            req = req.header("traceparent", traceparent);
        }
        let res: BatchResponse = req
            .json(&json!({ "ids": ids }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(res
            .users
            .into_iter()
            .map(|u| {
                let summary = UserSummary {
                    name: u.name,
                    email: u.email,
                    avatar: u.avatar,
                    is_active: u.is_active,
                };
                (u.id, summary)
            })
            .collect())
    }
}
