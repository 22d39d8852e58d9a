//! `GET /healthz` (alive) and `GET /readyz` (MongoDB reachable with the start-up work done, Redis
//! reachable).

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use shared::stores::{MONGODB_CHECK, REDIS_CHECK};

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(shared::http::healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let mongodb = async {
        state.store.ping().await.map_err(|e| format!("{e:#}"))?;
        // Reachable is not enough: without the indexes and a signing key nothing can be served.
        if state.prepared.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err("indexes, signing key or admin not in place yet".to_owned())
        }
    };
    shared::http::readiness(vec![
        (MONGODB_CHECK, Box::pin(mongodb)),
        (
            REDIS_CHECK,
            Box::pin(async { state.revocations.ping().await.map_err(|e| e.to_string()) }),
        ),
    ])
    .await
}
