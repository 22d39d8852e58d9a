//! The client of a neighbour's `/internal/...` routes: the service token on every call, one timeout for
//! connecting and answering, and the answers mapped the same way for every caller (200 → the body, 400 or
//! 404 → `None`, anything else an error naming the service).

use anyhow::Context;

use crate::config::Upstream;
use crate::internal_auth::INTERNAL_TOKEN_HEADER;

/// One neighbour service. Cheap to clone.
#[derive(Clone)]
pub struct InternalClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
    name: &'static str,
}

impl InternalClient {
    /// `name` is the service's, for errors (`course-service`).
    pub fn new(upstream: &Upstream, token: &str, name: &'static str) -> anyhow::Result<Self> {
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

    /// `GET {base}{path}` with the service token: the body on 200, `None` on 400 or 404.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> anyhow::Result<Option<T>> {
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
            status => anyhow::bail!("{} answered {status}", self.name),
        }
    }
}
