//! `GET /api/v1/openapi.json` (the merged platform document) and `/docs` (Swagger UI, served from the
//! binary: no CDN).

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::state::AppState;

/// The gateway's own operations; the services' documents are merged into it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS platform API",
        description = "Every public route of the platform, as served by the gateway under /api/v1."
    ),
    paths(super::healthcheck::healthcheck, openapi_json)
)]
struct GatewayDoc;

/// The gateway's own part of the document, before the services' documents are merged into it.
pub fn own_document() -> serde_json::Value {
    serde_json::to_value(GatewayDoc::openapi()).unwrap_or_default()
}

/// Mounts the document and the viewer.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/openapi.json").get(openapi_json))
        .service(web::resource("/docs").get(redirect_to_docs))
        .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/api/v1/openapi.json"])));
}

/// The merged OpenAPI 3.1 document of every service.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "platform",
    responses(
        (status = 200, description = "The merged OpenAPI document", content_type = "application/json"),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = shared::error::ErrorBody),
    ))]
async fn openapi_json(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::public_route(&req, &state, async {
        HttpResponse::Ok().json(
            state
                .docs
                .document(&state.http, |u| state.upstream_url(u), own_document())
                .await,
        )
    })
    .await
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("location", "/docs/"))
        .finish()
}
