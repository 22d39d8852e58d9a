//! Liveness (`/healthz`) and readiness (`/readyz`: Redis answers within a bound).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::AppState;

/// How long Redis may take to answer a readiness probe.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(shared::http::healthz))
        .route("/readyz", web::get().to(readyz));
}

/// `GET /readyz`: 200 when Redis answers, 503 otherwise. The services have their own probes; a gateway
/// whose upstreams are down still answers public routes with 502, so they are not part of its readiness.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let redis = check_redis(state.redis.clone()).await;
    let body = |status: &str| json!({ "status": status, "checks": { "redis": redis } });
    if redis == "ok" {
        HttpResponse::Ok().json(body("ready"))
    } else {
        HttpResponse::ServiceUnavailable().json(body("unavailable"))
    }
}

async fn check_redis(mut redis: redis::aio::ConnectionManager) -> &'static str {
    let ping = redis::cmd("PING");
    match tokio::time::timeout(CHECK_TIMEOUT, ping.query_async::<String>(&mut redis)).await {
        Ok(Ok(_)) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: Redis PING failed");
            "error"
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = CHECK_TIMEOUT.as_millis(),
                "readiness: Redis PING timed out"
            );
            "timeout"
        }
    }
}
