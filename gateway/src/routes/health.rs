//! Liveness (`/healthz`) and readiness (`/readyz`: Redis answers within a bound).

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(shared::http::healthz))
        .service(web::resource("/readyz").get(readyz));
}

/// `GET /readyz`: 200 when Redis answers, 503 otherwise. The services have their own probes; a gateway
/// whose upstreams are down still answers public routes with 502, so they are not part of its readiness.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    shared::http::readiness(vec![shared::stores::redis_probe(&state.redis)]).await
}
