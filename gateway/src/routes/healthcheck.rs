//! `GET /api/v1/healthcheck`: the seed's report, extended to the whole platform. Every service's `/readyz`
//! and Redis are asked at once, each within a short bound; the answer names services, never addresses.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::routing::Upstream;
use crate::state::AppState;

/// Mounts the report.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/healthcheck").get(healthcheck));
}

struct ServiceCheck {
    healthy: bool,
    latency_ms: u64,
    /// Whether the service said its database answers (`None` when it did not say).
    mongo: Option<bool>,
}

/// The platform's health: every service, their databases, Redis and the gateway itself.
#[utoipa::path(get, path = "/api/v1/healthcheck", tag = "platform",
    responses(
        (status = 200, description = "Every dependency is healthy (`status: OK`)", content_type = "application/json"),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = shared::error::ErrorBody),
        (status = 503, description = "At least one dependency is not (`status: DEGRADED`)", content_type = "application/json"),
    ))]
pub(super) async fn healthcheck(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::public_route(&req, &state, report(&state)).await
}

async fn report(state: &AppState) -> HttpResponse {
    let bound = state.settings.health_timeout;
    let services = futures_util::future::join_all(
        Upstream::ALL
            .iter()
            .map(|u| check_service(state, *u, bound)),
    );
    let (services, redis) = tokio::join!(services, check_redis(state, bound));
    let mut report = serde_json::Map::new();
    let mongo_checks: Vec<bool> = services.iter().filter_map(|(_, c)| c.mongo).collect();
    let databases_ok = !mongo_checks.is_empty() && mongo_checks.iter().all(|ok| *ok);
    report.insert(
        "databases".into(),
        json!({
            "status": healthy(databases_ok),
            "details": {
                "isConnected": databases_ok,
                "readyState": if databases_ok { "connected" } else { "disconnected" },
            }
        }),
    );
    report.insert(
        "redis".into(),
        json!({ "status": healthy(redis.0), "latencyMs": redis.1 }),
    );
    report.insert(
        "server".into(),
        json!({
            "status": "healthy",
            "uptime": state.started.elapsed().as_secs_f64(),
            "memoryUsage": { "rss": resident_bytes() },
        }),
    );
    let mut all_ok = databases_ok && redis.0;
    for (upstream, check) in &services {
        all_ok &= check.healthy;
        report.insert(
            upstream.name().into(),
            json!({ "status": healthy(check.healthy), "latencyMs": check.latency_ms }),
        );
    }
    let body = json!({
        "status": if all_ok { "OK" } else { "DEGRADED" },
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "services": Value::Object(report),
    });
    if all_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

fn healthy(ok: bool) -> &'static str {
    if ok { "healthy" } else { "unhealthy" }
}

async fn check_service(
    state: &AppState,
    upstream: Upstream,
    bound: Duration,
) -> (Upstream, ServiceCheck) {
    let started = Instant::now();
    let url = format!("{}/readyz", state.upstream_url(upstream));
    let answer = tokio::time::timeout(bound, async {
        let res = state.http.get(&url).send().await.ok()?;
        let ok = res.status().is_success();
        let body: Value = res.json().await.unwrap_or_default();
        Some((
            ok,
            body["checks"][shared::stores::MONGODB_CHECK]
                .as_str()
                .map(|v| v == "ok"),
        ))
    })
    .await
    .ok()
    .flatten();
    let latency_ms = started.elapsed().as_millis() as u64;
    let (healthy, mongo) = match answer {
        Some((ok, mongo)) => (ok, mongo),
        None => (false, Some(false)),
    };
    (
        upstream,
        ServiceCheck {
            healthy,
            latency_ms,
            mongo,
        },
    )
}

async fn check_redis(state: &AppState, bound: Duration) -> (bool, u64) {
    let started = Instant::now();
    let mut redis = state.redis.clone();
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(&mut redis);
    let ok = matches!(tokio::time::timeout(bound, ping).await, Ok(Ok(_)));
    (ok, started.elapsed().as_millis() as u64)
}

/// Resident memory of the process in bytes (Linux `/proc`; 0 elsewhere).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
