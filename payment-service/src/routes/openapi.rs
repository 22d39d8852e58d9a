//! The service's OpenAPI 3.1 document (`GET /api/v1/payments/openapi.json` and `GET /openapi.json`, where
//! the gateway collects every service's document into `/api/v1/openapi.json`): only the list of paths.
//! Every schema comes from the handlers' own types (`views`, the request bodies), collected by utoipa.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use shared::openapi::SecuritySchemes;
use shared::served_document::ServedDocument;
use utoipa::OpenApi;

use shared::error::ErrorBody;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/payments/openapi.json").route(web::get().to(openapi_json)));
}

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(ApiDoc::openapi);

/// The routes the document leaves out, for the `Allow` table.
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[];

/// The OpenAPI document of the public payment routes.
#[utoipa::path(
    get,
    path = "/api/v1/payments/openapi.json",
    tag = "payments",
    responses(
        (status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json"),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("cookie" = [])),
)]
async fn openapi_json() -> HttpResponse {
    DOCUMENT.respond()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS payment-service",
        description = "Buying courses through Stripe Checkout, Stripe's webhook, purchases and refunds. \
                       Amounts are integer cents. Every error is the `ErrorEnvelope` (or RFC 9457 problem \
                       details with `Accept: application/problem+json`)."
    ),
    paths(
        super::checkout::create_checkout_session,
        super::webhook::stripe_webhook,
        super::purchases::get_purchase_status,
        super::purchases::list_purchased_courses,
        super::admin::list_purchases,
        super::admin::refund_purchase,
        openapi_json,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "payments", description = "Checkout, Stripe webhook, purchases and refunds")),
)]
pub struct ApiDoc;
