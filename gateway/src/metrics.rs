//! The gateway's own Prometheus families (the HTTP request families come from `shared::metrics`), each
//! recorded through one small function so label values stay a fixed, bounded set; the per-request ones
//! keep their handles per thread (`shared::metrics::with_handle`).

use std::cell::RefCell;
use std::time::Duration;

use metrics::{Counter, Histogram};
use shared::metrics::{LocalHandles, with_handle};

/// Time to the upstream's response headers, by `upstream` and `outcome` (`ok`, an error kind, or
/// `client_aborted`/`too_large` when the client's request body failed).
pub const UPSTREAM_DURATION: &str = "gateway_upstream_duration_seconds";
/// Failed upstream calls, by `upstream` and `kind` (`connect`, `timeout`, `other`).
pub const UPSTREAM_ERRORS: &str = "gateway_upstream_errors_total";
/// Rate-limit decisions, by `bucket` (`per_ip`, `api_key_lookups`, `global`, `credentials`) and `decision`
/// (`allowed`, `limited`).
pub const RATE_LIMIT_DECISIONS: &str = "gateway_rate_limit_decisions_total";
/// Revocation checks, by `source` (`copy`, `redis`) and `result` (`valid`, `revoked`, `unavailable`).
pub const REVOCATION_CHECKS: &str = "gateway_revocation_checks_total";
/// Seconds since the local revocation copy was last known current (0 while the subscription is live).
pub const REVOCATION_COPY_AGE: &str = "gateway_revocation_copy_age_seconds";
/// Silent cookie-session refreshes, by `result` (`refreshed`, `refused`, `failed`).
pub const SILENT_REFRESHES: &str = "gateway_silent_refreshes_total";
/// API-key lookups, by `result` (`hit`, `miss`, `unknown`: a key auth-service called unknown a moment ago).
pub const API_KEY_CACHE: &str = "gateway_api_key_cache_total";

/// Help texts, registered once at start-up.
pub fn describe() {
    metrics::describe_histogram!(
        UPSTREAM_DURATION,
        metrics::Unit::Seconds,
        "Time to the upstream service's response headers"
    );
    metrics::describe_counter!(UPSTREAM_ERRORS, "Failed calls to upstream services");
    metrics::describe_counter!(RATE_LIMIT_DECISIONS, "Rate-limit decisions");
    metrics::describe_counter!(REVOCATION_CHECKS, "Access-token revocation checks");
    metrics::describe_gauge!(
        REVOCATION_COPY_AGE,
        metrics::Unit::Seconds,
        "How long the local revocation copy has not been known current"
    );
    metrics::describe_counter!(SILENT_REFRESHES, "Silent cookie-session refreshes");
    metrics::describe_counter!(API_KEY_CACHE, "API-key cache lookups");
}

thread_local! {
    static UPSTREAM: LocalHandles<(&'static str, &'static str), (Histogram, Option<Counter>)> =
        RefCell::default();
    static RATE_LIMITS: LocalHandles<(&'static str, bool), Counter> = RefCell::default();
    static REVOCATIONS: LocalHandles<(&'static str, &'static str), Counter> = RefCell::default();
    static API_KEYS: LocalHandles<&'static str, Counter> = RefCell::default();
}

/// One forwarded call's outcome: `ok`, an upstream failure (`connect`, `timeout`, `other`; counted as an
/// upstream error) or the client's (`client_aborted`, `too_large`; not counted: the service was fine).
pub fn upstream_call(
    upstream: &'static str,
    elapsed: Duration,
    outcome: &'static str,
    failed: bool,
) {
    let error = failed.then_some(outcome);
    with_handle(
        &UPSTREAM,
        (upstream, outcome),
        || {
            let latency = metrics::histogram!(UPSTREAM_DURATION, "upstream" => upstream, "outcome" => outcome);
            let errors = error.map(
                |kind| metrics::counter!(UPSTREAM_ERRORS, "upstream" => upstream, "kind" => kind),
            );
            (latency, errors)
        },
        |(latency, errors)| {
            latency.record(elapsed.as_secs_f64());
            if let Some(errors) = errors {
                errors.increment(1);
            }
        },
    );
}

/// One rate-limit decision.
pub fn rate_limit(bucket: &'static str, allowed: bool) {
    with_handle(
        &RATE_LIMITS,
        (bucket, allowed),
        || {
            let decision = if allowed { "allowed" } else { "limited" };
            metrics::counter!(RATE_LIMIT_DECISIONS, "bucket" => bucket, "decision" => decision)
        },
        |c| c.increment(1),
    );
}

/// One revocation check.
pub fn revocation_check(source: &'static str, result: &'static str) {
    with_handle(
        &REVOCATIONS,
        (source, result),
        || metrics::counter!(REVOCATION_CHECKS, "source" => source, "result" => result),
        |c| c.increment(1),
    );
}

/// The revocation copy's age.
pub fn revocation_copy_age(age: Duration) {
    metrics::gauge!(REVOCATION_COPY_AGE).set(age.as_secs_f64());
}

/// One silent refresh attempt (rare: no cache).
pub fn silent_refresh(result: &'static str) {
    metrics::counter!(SILENT_REFRESHES, "result" => result).increment(1);
}

/// One API-key lookup: `hit`, `miss` or `unknown`.
pub fn api_key_lookup(result: &'static str) {
    with_handle(
        &API_KEYS,
        result,
        || metrics::counter!(API_KEY_CACHE, "result" => result),
        |c| c.increment(1),
    );
}
