//! Writes revocations to Redis and announces them on the revocation channel so every gateway replica
//! learns of them at once. Key names and messages come from `shared::revocation`.

use anyhow::Context;
use redis::AsyncCommands;
use shared::redis_handle::RedisHandle;
use shared::revocation::{Revocation, channel, not_before_key, revoked_jti_key};

/// Redis-backed revocation state.
#[derive(Clone)]
pub struct Revocations {
    redis: RedisHandle,
    prefix: String,
    /// How long a "not before" must be remembered: every token older than it has expired by then.
    access_ttl_secs: u64,
}

impl Revocations {
    pub fn new(redis: RedisHandle, prefix: String, access_ttl: std::time::Duration) -> Self {
        Self {
            redis,
            prefix,
            access_ttl_secs: access_ttl.as_secs(),
        }
    }

    async fn announce(&self, msg: &Revocation) -> anyhow::Result<()> {
        let payload = serde_json::to_string(msg)?;
        let mut conn = self.redis.clone();
        let _: i64 = conn
            .publish(channel(&self.prefix), payload)
            .await
            .context("publishing a revocation")?;
        Ok(())
    }

    /// Revokes one access token for the rest of its life.
    pub async fn revoke_token(&self, jti: &str, exp: i64) -> anyhow::Result<()> {
        let remaining = u64::try_from(exp - chrono::Utc::now().timestamp()).unwrap_or(0);
        if remaining > 0 {
            let mut pipe = redis::pipe();
            pipe.set_ex(revoked_jti_key(&self.prefix, jti), 1, remaining);
            // A revocation a failover loses would make the token valid again: replicas must have it.
            self.redis
                .write_replicated(pipe)
                .await
                .context("revoking a token")?;
        }
        self.announce(&Revocation::Token {
            jti: jti.to_owned(),
            exp,
        })
        .await
    }

    /// Refuses every token of `user_id` issued before `not_before` (seconds).
    pub async fn revoke_user(&self, user_id: &str, not_before: i64) -> anyhow::Result<()> {
        let key = not_before_key(&self.prefix, user_id);
        let mut pipe = redis::pipe();
        pipe.set_ex(key, not_before, self.access_ttl_secs + 60);
        self.redis
            .write_replicated(pipe)
            .await
            .context("storing not-before")?;
        self.announce(&Revocation::User {
            user_id: user_id.to_owned(),
            not_before,
        })
        .await
    }

    /// Announces that an API key stopped working, so caches drop it.
    pub async fn revoke_api_key(&self, key_id: &str, key_hash: &str) -> anyhow::Result<()> {
        self.announce(&Revocation::ApiKey {
            key_id: key_id.to_owned(),
            key_hash: key_hash.to_owned(),
        })
        .await
    }

    /// Whether a token id has been revoked.
    pub async fn is_token_revoked(&self, jti: &str) -> redis::RedisResult<bool> {
        let mut conn = self.redis.clone();
        conn.exists(revoked_jti_key(&self.prefix, jti)).await
    }
}
