//! Security headers on every response (`design.md` Gateway): no sniffing, no framing, no referrer, resources
//! for the same site only, a CSP that lets API responses do nothing, and HSTS when served over HTTPS.

use std::sync::LazyLock;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// API responses are data: they may load nothing and be framed by nobody.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The certificate pages: HTML with an inline style sheet and nothing else (no script, no form).
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// The docs viewer needs its own scripts, styles and images.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Built once: every response gets the same names and values.
static ALWAYS: LazyLock<[(HeaderName, HeaderValue); 4]> = LazyLock::new(|| {
    let pair = |n: &'static str, v: &'static str| {
        (HeaderName::from_static(n), HeaderValue::from_static(v))
    };
    [
        pair("x-content-type-options", "nosniff"),
        pair("x-frame-options", "DENY"),
        pair("referrer-policy", "no-referrer"),
        pair("cross-origin-resource-policy", "same-site"),
    ]
});

/// What kind of response the headers go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// JSON (and media) from `/api/...`.
    Api,
    /// The docs viewer (`/docs`).
    Docs,
    /// A certificate's public page (`/certificates/{id}`).
    Page,
}

impl Surface {
    /// The surface a request path belongs to.
    pub fn of(path: &str) -> Self {
        if path.starts_with("/docs") {
            Self::Docs
        } else if path.starts_with(crate::routing::PAGES_PREFIX) {
            Self::Page
        } else {
            Self::Api
        }
    }
}

/// Adds the headers to a response for its `surface`; `https` when the client reached us over HTTPS.
pub fn apply(h: &mut HeaderMap, surface: Surface, https: bool) {
    for (name, value) in ALWAYS.iter() {
        h.insert(name.clone(), value.clone());
    }
    h.insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(match surface {
            Surface::Api => API_CSP,
            Surface::Docs => DOCS_CSP,
            Surface::Page => PAGE_CSP,
        }),
    );
    if https {
        h.insert(
            actix_web::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}
