//! The rate-limit response headers: `RateLimit-Policy` / `RateLimit` (IETF draft 7, as express-rate-limit
//! sends them), the legacy `X-RateLimit-*` trio, and `Retry-After` on 429.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use super::Decision;

/// Writes the headers describing `decision` onto a response.
pub fn apply_headers(headers: &mut HeaderMap, decision: &Decision) {
    let window = decision.quota.window.as_secs();
    let max = decision.quota.max;
    let reset_at = chrono::Utc::now().timestamp() as u64 + decision.reset_secs;
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("ratelimit-policy", format!("{max};w={window}"));
    set(
        "ratelimit",
        format!(
            "limit={max}, remaining={}, reset={}",
            decision.remaining, decision.reset_secs
        ),
    );
    set("x-ratelimit-limit", max.to_string());
    set("x-ratelimit-remaining", decision.remaining.to_string());
    set("x-ratelimit-reset", reset_at.to_string());
    if !decision.allowed {
        set("retry-after", decision.retry_after_secs.to_string());
    }
}
