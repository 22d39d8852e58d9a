//! The two calls the gateway makes to auth-service on a caller's behalf: rotating a refresh session
//! (silent refresh) and resolving an API key into a short-lived access token.

use actix_web::http::header::HeaderValue;
use anyhow::Context;
use serde::Deserialize;
use shared::error::{ErrorBody, ErrorCode};
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

use super::REFRESH_COOKIE;
use crate::error::GatewayError;

/// A rotated session: the new access token and the cookies to hand to the browser.
pub struct Refreshed {
    pub token: String,
    pub set_cookies: Vec<HeaderValue>,
}

/// An API key's owner and the token that stands for the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedKey {
    pub key_id: String,
    pub token: String,
    pub expires_in: i64,
}

/// How auth-service answered a key lookup.
pub enum KeyLookup {
    Found(ResolvedKey),
    /// Unknown or revoked key.
    Invalid,
    /// The key's owner is deactivated.
    Inactive,
}

/// Client for auth-service, sharing the gateway's pooled HTTP client.
#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    base: String,
    internal_token: String,
}

#[derive(Deserialize)]
struct RefreshBody {
    token: String,
}

impl AuthClient {
    pub fn new(http: reqwest::Client, base: &str, internal_token: &str) -> Self {
        Self {
            http,
            base: base.to_owned(),
            internal_token: internal_token.to_owned(),
        }
    }

    /// `POST /api/v1/auth/refresh-token` with the refresh cookie; `None` when the session is refused.
    pub async fn refresh(&self, refresh_token: &str) -> anyhow::Result<Option<Refreshed>> {
        let res = self
            .http
            .post(format!("{}/api/v1/auth/refresh-token", self.base))
            .header("cookie", format!("{REFRESH_COOKIE}={refresh_token}"))
            .send()
            .await
            .context("calling auth-service to refresh a session")?;
        if res.status().is_client_error() {
            return Ok(None);
        }
        if !res.status().is_success() {
            anyhow::bail!("auth-service answered {} to a refresh", res.status());
        }
        let set_cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
            .collect();
        let body: RefreshBody = res.json().await.context("reading the refresh answer")?;
        Ok(Some(Refreshed {
            token: body.token,
            set_cookies,
        }))
    }

    /// `POST /internal/api-keys/resolve` with the service token. Failures are classified: auth-service
    /// unreachable or too slow is an upstream error; auth-service refusing the gateway's service token is
    /// our own misconfiguration, an internal one.
    pub async fn resolve_key(&self, key: &str) -> Result<KeyLookup, GatewayError> {
        let res = self
            .http
            .post(format!("{}/internal/api-keys/resolve", self.base))
            .header(INTERNAL_TOKEN_HEADER, &self.internal_token)
            .json(&serde_json::json!({ "key": key }))
            .send()
            .await
            .map_err(upstream_error)?;
        match res.status().as_u16() {
            200 => Ok(KeyLookup::Found(res.json().await.map_err(upstream_error)?)),
            400 | 401 | 404 => Ok(KeyLookup::Invalid),
            403 => {
                // 403 is also how auth-service refuses a wrong service token: tell the two apart, because
                // that one is our misconfiguration, not the caller's fault.
                let body: Option<ErrorBody> = res.json().await.ok();
                if body.is_some_and(|b| b.error == ErrorCode::AccountInactive) {
                    Ok(KeyLookup::Inactive)
                } else {
                    Err(GatewayError::Internal(anyhow::anyhow!(
                        "auth-service refused the gateway's service token (INTERNAL_API_TOKEN)"
                    )))
                }
            }
            status => Err(GatewayError::UpstreamUnreachable {
                service: "auth",
                source: anyhow::anyhow!("auth-service answered {status} to an API key lookup"),
            }),
        }
    }
}

/// A failed call to auth-service, as an upstream error.
fn upstream_error(e: reqwest::Error) -> GatewayError {
    if e.is_timeout() {
        GatewayError::UpstreamTimeout { service: "auth" }
    } else {
        GatewayError::UpstreamUnreachable {
            service: "auth",
            source: anyhow::Error::new(e).context("calling auth-service to resolve an API key"),
        }
    }
}
