//! `GET /api/v1/healthcheck`: the seed's report, extended to the whole platform. Every service's `/readyz`
//! and Redis are asked at once, each within a short bound; the answer names services, never addresses.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::health_report::{
    DatabaseDetails, DatabasesCheck, Health, HealthReport, LatencyCheck, MemoryUsage, Overall,
    ReadyState, ServerCheck, ServicesReport,
};
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
        (status = 200, description = "Every dependency is healthy (`status: OK`)", body = HealthReport),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = shared::error::ErrorBody),
        (status = 503, description = "At least one dependency is not (`status: DEGRADED`)", body = HealthReport),
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
    let mongo_checks: Vec<bool> = services.iter().filter_map(|(_, c)| c.mongo).collect();
    let databases_ok = !mongo_checks.is_empty() && mongo_checks.iter().all(|ok| *ok);
    let all_ok = databases_ok && redis.0 && services.iter().all(|(_, c)| c.healthy);
    let service = |upstream: Upstream| {
        services
            .iter()
            .find(|(u, _)| *u == upstream)
            .map_or(LatencyCheck::of(false, 0), |(_, c)| {
                LatencyCheck::of(c.healthy, c.latency_ms)
            })
    };
    let body = HealthReport {
        status: if all_ok {
            Overall::Ok
        } else {
            Overall::Degraded
        },
        time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        services: ServicesReport {
            databases: DatabasesCheck {
                status: Health::of(databases_ok),
                details: DatabaseDetails {
                    is_connected: databases_ok,
                    ready_state: if databases_ok {
                        ReadyState::Connected
                    } else {
                        ReadyState::Disconnected
                    },
                },
            },
            redis: LatencyCheck::of(redis.0, redis.1),
            server: ServerCheck {
                status: Health::Healthy,
                uptime: state.started.elapsed().as_secs_f64(),
                memory_usage: MemoryUsage {
                    rss: resident_bytes(),
                },
            },
            auth: service(Upstream::Auth),
            course: service(Upstream::Course),
            progress: service(Upstream::Progress),
            payment: service(Upstream::Payment),
            certificate: service(Upstream::Certificate),
        },
    };
    if all_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
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
