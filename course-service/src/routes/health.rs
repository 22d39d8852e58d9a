//! Liveness (`/healthz`) and readiness (`/readyz`: MongoDB and Redis answer within a bound).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use mongodb::bson::doc;
use serde_json::json;

use crate::startup::AppState;

/// How long one dependency may take to answer a readiness probe.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(shared::http::healthz))
        .route("/readyz", web::get().to(readyz));
}

/// `GET /readyz`: 200 when every dependency answers, 503 naming the ones that do not.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (mongo, redis) = tokio::join!(check_mongo(&state.db), check_redis(state.redis.clone()));
    let body =
        |status: &str| json!({ "status": status, "checks": { "mongo": mongo, "redis": redis } });
    if mongo == "ok" && redis == "ok" {
        HttpResponse::Ok().json(body("ready"))
    } else {
        HttpResponse::ServiceUnavailable().json(body("unavailable"))
    }
}

async fn check_mongo(db: &mongodb::Database) -> &'static str {
    match tokio::time::timeout(CHECK_TIMEOUT, db.run_command(doc! { "ping": 1 })).await {
        Ok(Ok(_)) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: MongoDB ping failed");
            "error"
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = CHECK_TIMEOUT.as_millis(),
                "readiness: MongoDB ping timed out"
            );
            "timeout"
        }
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
