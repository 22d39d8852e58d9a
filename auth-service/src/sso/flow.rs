//! A started sign-in lives in Redis under the SHA-256 of its `state`, for `SSO_FLOW_TTL_SECS`, and is
//! taken with `GETDEL`, so it is single-use: the provider it was started for, the nonce, the PKCE verifier,
//! the hash of the browser-binding cookie, where to go afterwards and, when a signed-in user links a
//! provider, who. A pending link ("link required") lives the same way under the hash of its cookie.

use std::time::Duration;

use anyhow::Context;
use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use shared::redis_handle::RedisHandle;

use crate::tokens::secrets::{random_token, sha256_hex};

/// What the callback needs of the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowState {
    pub provider: String,
    pub nonce: String,
    pub code_verifier: String,
    /// SHA-256 (hex) of the `sso_flow` cookie of the browser that started it.
    pub binding: String,
    /// A validated frontend URL.
    pub return_to: Option<String>,
    /// The signed-in user who asked to link this provider.
    pub link_user: Option<String>,
}

/// An identity waiting for the password of the account its e-mail address belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingLink {
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub user_id: String,
    pub return_to: Option<String>,
}

/// The values a start sends to the provider.
pub struct Started {
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Whether a cookie value is one we could have made (43 base64url characters).
pub fn well_formed(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Flow state and pending links in Redis.
#[derive(Clone)]
pub struct FlowStore {
    redis: RedisHandle,
    prefix: String,
    ttl: Duration,
}

impl FlowStore {
    pub fn new(redis: RedisHandle, prefix: &str, ttl: Duration) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
            ttl,
        }
    }

    /// The Redis key of a flow (tests reach the stored state through it).
    pub fn state_key(&self, state: &str) -> String {
        format!("{}sso:state:{}", self.prefix, sha256_hex(state))
    }

    fn link_key(&self, token: &str) -> String {
        format!("{}sso:link:{}", self.prefix, sha256_hex(token))
    }

    async fn put(&self, key: String, value: &impl Serialize) -> anyhow::Result<()> {
        let json = serde_json::to_string(value)?;
        let mut conn = self.redis.clone();
        let () = redis::cmd("SET")
            .arg(key)
            .arg(json)
            .arg("EX")
            .arg(self.ttl.as_secs().max(1))
            .query_async(&mut conn)
            .await
            .context("storing single sign-on state")?;
        Ok(())
    }

    async fn take<T: for<'de> Deserialize<'de>>(&self, key: String) -> anyhow::Result<Option<T>> {
        let mut conn = self.redis.clone();
        let raw: Option<String> = redis::cmd("GETDEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .context("taking single sign-on state")?;
        // Something unreadable under our key is treated as absent, never trusted.
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    /// Records a new flow bound to `binding_cookie`; returns what goes into the authorization request.
    pub async fn start(
        &self,
        provider: &str,
        binding_cookie: &str,
        return_to: Option<String>,
        link_user: Option<String>,
    ) -> anyhow::Result<Started> {
        let state = random_token()?;
        let code_verifier = random_token()?;
        let flow = FlowState {
            provider: provider.to_owned(),
            nonce: random_token()?,
            code_verifier: code_verifier.clone(),
            binding: sha256_hex(binding_cookie),
            return_to,
            link_user,
        };
        self.put(self.state_key(&state), &flow).await?;
        Ok(Started {
            state,
            nonce: flow.nonce,
            code_challenge: code_challenge(&code_verifier),
        })
    }

    /// The flow of `state`, removed so it cannot be used again.
    pub async fn take_flow(&self, state: &str) -> anyhow::Result<Option<FlowState>> {
        self.take(self.state_key(state)).await
    }

    /// Stores a pending link and returns the token for its cookie.
    pub async fn put_link(&self, link: &PendingLink) -> anyhow::Result<String> {
        let token = random_token()?;
        self.put(self.link_key(&token), link).await?;
        Ok(token)
    }

    /// The pending link of a cookie, removed: one password attempt per link.
    pub async fn take_link(&self, token: &str) -> anyhow::Result<Option<PendingLink>> {
        if !well_formed(token) {
            return Ok(None);
        }
        self.take(self.link_key(token)).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_challenge_is_the_unpadded_base64url_sha256_of_the_verifier() {
        // Computed independently (Python's hashlib and base64.urlsafe_b64encode, padding stripped).
        assert_eq!(
            super::code_challenge("dBjftJeZ4CVP-mJ92IeQeFtKZiKdOXMJAR3WA6HPo8k"),
            "R_UB5WiTt1aTaSe_vxuugKKDA5GNCO4OaIdG8R6hn9k"
        );
    }
}
