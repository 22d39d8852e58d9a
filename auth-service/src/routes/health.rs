//! `GET /healthz` (alive) and `GET /readyz` (MongoDB and Redis reachable).

use actix_web::{HttpResponse, web};

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(shared::http::healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    shared::http::readiness(vec![
        (
            "mongo",
            Box::pin(async { state.store.ping().await.map_err(|e| e.to_string()) }),
        ),
        (
            "redis",
            Box::pin(async { state.revocations.ping().await.map_err(|e| e.to_string()) }),
        ),
    ])
    .await
}
