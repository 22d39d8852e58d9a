//! The rate-limit response headers: `RateLimit-Policy` / `RateLimit` (IETF draft 7, as express-rate-limit
//! sends them), the legacy `X-RateLimit-*` trio, and `Retry-After` on 429.

use std::sync::LazyLock;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;

use super::Decision;

/// The header names, built once (a custom name is validated byte by byte each time it is made).
static NAMES: LazyLock<[HeaderName; 6]> = LazyLock::new(|| {
    [
        "ratelimit-policy",
        "ratelimit",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ]
    .map(HeaderName::from_static)
});

/// Writes the headers describing `decision` onto a response.
pub fn apply_headers(headers: &mut HeaderMap, decision: &Decision) {
    let [policy, ratelimit, limit, remaining, reset, retry_after] = &*NAMES;
    let window = decision.quota.window.as_secs();
    let max = u64::from(decision.quota.max);
    let reset_at = chrono::Utc::now().timestamp().unsigned_abs() + decision.reset_secs;
    let mut n = itoa::Buffer::new();
    let mut text = String::with_capacity(48);
    text.push_str(n.format(max));
    text.push_str(";w=");
    text.push_str(n.format(window));
    insert_text(headers, policy, text);
    let mut text = String::with_capacity(64);
    text.push_str("limit=");
    text.push_str(n.format(max));
    text.push_str(", remaining=");
    text.push_str(n.format(decision.remaining));
    text.push_str(", reset=");
    text.push_str(n.format(decision.reset_secs));
    insert_text(headers, ratelimit, text);
    headers.insert(limit.clone(), HeaderValue::from(max));
    headers.insert(remaining.clone(), HeaderValue::from(decision.remaining));
    headers.insert(reset.clone(), HeaderValue::from(reset_at));
    if !decision.allowed {
        headers.insert(
            retry_after.clone(),
            HeaderValue::from(decision.retry_after_secs),
        );
    }
}

/// The text becomes the header's bytes without another copy.
fn insert_text(headers: &mut HeaderMap, name: &HeaderName, text: String) {
    if let Ok(v) = HeaderValue::from_maybe_shared(Bytes::from(text)) {
        headers.insert(name.clone(), v);
    }
}
