//! The per-user budget of review writes (`REVIEW_WRITE_MAX` per `REVIEW_WRITE_WINDOW_SECS`): a fixed-window
//! counter in Redis, so every replica shares it. When Redis cannot be asked the write is let through and
//! the failure logged: a review is not worth refusing every writer for, and the gateway's own limits
//! still apply.

use serde_json::json;
use shared::error::{ApiError, ErrorCode};
use shared::redis_handle::RedisHandle;

use crate::config::WriteQuota;
use crate::error::CourseError;

#[derive(Clone)]
pub struct WriteLimit {
    redis: RedisHandle,
    prefix: String,
    quota: WriteQuota,
}

impl WriteLimit {
    pub fn new(redis: RedisHandle, prefix: &str, quota: WriteQuota) -> Self {
        Self {
            redis,
            prefix: format!("{prefix}review-writes:"),
            quota,
        }
    }

    /// Counts one write by `user`; 429 (`RATE_LIMITED`, `details.retryAfterSeconds`) once the window's
    /// budget is spent.
    pub async fn check(&self, user: &str) -> Result<(), CourseError> {
        let key = format!("{}{user}", self.prefix);
        let window = self.quota.window.as_secs().max(1);
        // `SET NX EX` starts a window with its expiry; `INCR` keeps it. One transaction, so a window
        // never lives without an expiry.
        let result: redis::RedisResult<(Option<String>, u64, i64)> = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&key)
            .arg(0)
            .arg("NX")
            .arg("EX")
            .arg(window)
            .cmd("INCR")
            .arg(&key)
            .cmd("TTL")
            .arg(&key)
            .query_async(&mut self.redis.clone())
            .await;
        match result {
            Ok((_, used, _)) if used <= u64::from(self.quota.max) => Ok(()),
            Ok((_, _, ttl)) => Err(CourseError::Api(
                ApiError::new(
                    ErrorCode::RateLimited,
                    "Too many review changes; try again later",
                )
                .with_details(json!({ "retryAfterSeconds": ttl.max(1) })),
            )),
            Err(e) => {
                tracing::warn!(error = %e, "review write limit unavailable; letting the write through");
                Ok(())
            }
        }
    }
}
