//! The service's OpenAPI 3.1 document (`GET /api/v1/payments/openapi.json` and `GET /openapi.json`, where
//! the gateway collects every service's document into `/api/v1/openapi.json`): only the list of paths.
//! Every schema comes from the handlers' own types (`views`, the request bodies), collected by utoipa.

use actix_web::http::Method;
use shared::openapi::SecuritySchemes;
use shared::served_document::{DocumentRoute, ServedDocument};
use utoipa::OpenApi;

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(
    ApiDoc::openapi,
    DocumentRoute::public("/api/v1/payments/openapi.json", "payments"),
);

/// The routes the document leaves out, for the `Allow` table.
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[];

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
    ),
    modifiers(&SecuritySchemes),
    tags((name = "payments", description = "Checkout, Stripe webhook, purchases and refunds")),
)]
pub struct ApiDoc;
