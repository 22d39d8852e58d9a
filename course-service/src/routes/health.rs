//! Liveness (`/healthz`) and readiness (`/readyz`: MongoDB answers and the indexes are in place, Redis
//! answers, each within a bound).

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(shared::http::healthz))
        .service(web::resource("/readyz").get(readyz));
}

/// `GET /readyz`: 200 when MongoDB (with the indexes built) and Redis answer, 503 naming the ones that do
/// not.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    use shared::stores::{MONGODB_CHECK, mongo_probe, redis_probe};
    let (_, ping) = mongo_probe(&state.store.db);
    let mongodb = async {
        ping.await?;
        if state.indexed.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err("indexes not in place yet".to_owned())
        }
    };
    shared::http::readiness(vec![
        (MONGODB_CHECK, Box::pin(mongodb)),
        redis_probe(&state.redis),
    ])
    .await
}
