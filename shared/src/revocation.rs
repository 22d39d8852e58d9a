//! Names and messages of the revocation state in Redis, shared by auth-service (writer) and the gateway
//! (reader): revoked token ids, per-user "not before" times, and the pub/sub channel announcing both.

use serde::{Deserialize, Serialize};

/// Redis key marking one access token (`jti`) as revoked; its TTL is the token's remaining life.
pub fn revoked_jti_key(prefix: &str, jti: &str) -> String {
    format!("{prefix}revoked:jti:{jti}")
}

/// Redis key holding a user's "not before" (seconds since the epoch): tokens with an earlier `iat` are
/// refused.
pub fn not_before_key(prefix: &str, user_id: &str) -> String {
    format!("{prefix}revoked:user:{user_id}")
}

/// Pub/sub channel on which every revocation is announced.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}revocations")
}

/// A revocation announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Revocation {
    /// One access token; `exp` lets a cache drop the entry when the token would have expired anyway.
    #[serde(rename_all = "camelCase")]
    Token { jti: String, exp: i64 },
    /// Every token of a user issued before `not_before` (seconds).
    #[serde(rename_all = "camelCase")]
    User { user_id: String, not_before: i64 },
    /// An API key (by id and SHA-256 hash) stopped working; caches drop it.
    #[serde(rename_all = "camelCase")]
    ApiKey { key_id: String, key_hash: String },
}

/// Whether a token issued at `iat` is refused by a user's `not_before`.
pub fn is_before(iat: i64, not_before: Option<i64>) -> bool {
    not_before.is_some_and(|nbf| iat < nbf)
}

/// Reads the revocation state for a service that verifies tokens itself (`shared::principal`): the
/// gateway keeps a live copy, a service asks Redis on each request that carries a token.
#[cfg(feature = "redis")]
#[derive(Clone)]
pub struct RevocationReader {
    redis: crate::redis_handle::RedisHandle,
    prefix: String,
}

#[cfg(feature = "redis")]
impl RevocationReader {
    pub fn new(redis: crate::redis_handle::RedisHandle, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
        }
    }

    /// Whether token `jti` of `user_id`, issued at `iat`, is revoked (one `MGET` of both keys).
    pub async fn is_revoked(&self, jti: &str, user_id: &str, iat: i64) -> redis::RedisResult<bool> {
        let mut conn = self.redis.clone();
        let (token, not_before): (Option<String>, Option<i64>) = redis::cmd("MGET")
            .arg(revoked_jti_key(&self.prefix, jti))
            .arg(not_before_key(&self.prefix, user_id))
            .query_async(&mut conn)
            .await?;
        Ok(token.is_some() || is_before(iat, not_before))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_messages_are_tagged_json() {
        let msg = Revocation::User {
            user_id: "u1".into(),
            not_before: 42,
        };
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(json, r#"{"type":"user","userId":"u1","notBefore":42}"#);
        let back: Revocation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, msg);
    }

    #[test]
    fn tokens_issued_before_not_before_are_refused() {
        assert!(is_before(99, Some(100)));
        assert!(!is_before(100, Some(100)));
        assert!(!is_before(5, None));
    }
}
