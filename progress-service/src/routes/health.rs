//! Liveness (`/healthz`) and readiness (`/readyz`: MongoDB and Redis answer within a bound).

use actix_web::{HttpResponse, web};
use mongodb::bson::doc;

use crate::startup::AppState;

/// Mounts `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(shared::http::healthz))
        .service(web::resource("/readyz").get(readyz));
}

/// `GET /readyz`: 200 when MongoDB and Redis answer, 503 naming the ones that do not.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let mut redis = state.redis.clone();
    shared::http::readiness(vec![
        (
            "mongo",
            Box::pin(async {
                state
                    .db
                    .run_command(doc! { "ping": 1 })
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }),
        ),
        (
            "redis",
            Box::pin(async move {
                redis::cmd("PING")
                    .query_async::<String>(&mut redis)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }),
        ),
    ])
    .await
}
