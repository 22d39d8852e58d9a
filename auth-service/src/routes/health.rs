//! `GET /healthz` (alive) and `GET /readyz` (MongoDB and Redis reachable).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(shared::http::healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (mongo, redis) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, state.revocations.ping()),
    );
    let status = |r: Result<anyhow::Result<()>, _>| {
        if matches!(r, Ok(Ok(()))) {
            "ok"
        } else {
            "unavailable"
        }
    };
    let (mongo, redis) = (status(mongo), status(redis));
    let body = json!({ "status": if mongo == "ok" && redis == "ok" { "ready" } else { "unavailable" },
                       "checks": { "mongo": mongo, "redis": redis } });
    if body["status"] == "ready" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
