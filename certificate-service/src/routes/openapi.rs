//! The service's OpenAPI 3.1 document (`GET /api/v1/certificates/openapi.json` and `GET /openapi.json`,
//! where the gateway collects every service's document into `/api/v1/openapi.json`): only the list of
//! paths. Every schema comes from the handlers' own types.

use actix_web::http::Method;
use shared::openapi::SecuritySchemes;
use shared::served_document::{DocumentRoute, ServedDocument};
use utoipa::OpenApi;

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(
    ApiDoc::openapi,
    DocumentRoute::public("/api/v1/certificates/openapi.json", "certificates"),
);

/// The routes the document leaves out, for the `Allow` table: the HTML page (not part of the JSON API).
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[("/certificates/{id}", &[Method::GET])];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS certificate-service",
        description = "Course certificates as Open Badges 3.0 credentials signed with the issuer's Ed25519 key \
                       (a JWT, `typ` `vc+jwt`), the issuer's public keys and Bitstring Status Lists for offline \
                       verification, and revocation. Every error is the `ErrorEnvelope` (or RFC 9457 problem \
                       details with `Accept: application/problem+json`)."
    ),
    paths(
        super::certificates::list_certificates,
        super::issuer::get_issuer,
        super::issuer::get_issuer_jwks,
        super::issuer::get_status_list,
        super::certificates::get_certificate,
        super::certificates::verify_certificate,
        super::certificates::reissue_certificate,
        super::admin::revoke_certificate,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "certificates", description = "Certificates, their verification and revocation")),
)]
pub struct ApiDoc;
