//! Liveness (`/healthz`) and readiness (`/readyz`: MongoDB and Redis answer within a bound).

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(shared::http::healthz))
        .service(web::resource("/readyz").get(readyz));
}

/// `GET /readyz`: 200 when MongoDB and Redis answer, 503 naming the ones that do not.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    use shared::stores::{mongo_probe, redis_probe};
    shared::http::readiness(vec![mongo_probe(&state.db), redis_probe(&state.redis)]).await
}
