//! Security headers on every response (`design.md` Gateway): no sniffing, no framing, no referrer, resources
//! for the same site only, a CSP that lets API responses do nothing, and HSTS when served over HTTPS.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::proxy::forwarded_proto;
use crate::state::AppState;

/// API responses are data: they may load nothing and be framed by nobody.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The docs viewer needs its own scripts, styles and images.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Middleware adding the headers after the inner service answered.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| forwarded_proto(req.request(), s) == "https");
    let docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set("cross-origin-resource-policy", "same-site");
    set(
        "content-security-policy",
        if docs { DOCS_CSP } else { API_CSP },
    );
    if https {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(res)
}
