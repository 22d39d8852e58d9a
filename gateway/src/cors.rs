//! CORS exactly as `api.md` §1: the configured origins only, with credentials; preflights answered here
//! (and cached by the browser), and the grant added to every response, errors included, so a browser can
//! read a 401, 429 or 502 instead of reporting an opaque network error.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use shared::error::ApiError;

use crate::config::Settings;

const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS";
const ALLOW_HEADERS: &str =
    "Content-Type, Authorization, X-Requested-With, X-API-Key, X-Request-Id, Accept, Origin";
const EXPOSE_HEADERS: &str = "RateLimit, RateLimit-Policy, Retry-After, X-RateLimit-Limit, \
X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id, Content-Range, Accept-Ranges, Content-Length";

/// Whether `origin` is one of the configured frontend origins.
pub fn origin_allowed(settings: &Settings, origin: &HeaderValue) -> bool {
    origin
        .to_str()
        .is_ok_and(|o| settings.allowed_origins.iter().any(|a| a == o))
}

/// What CORS needs to remember about a request until its response is ready.
pub struct CorsRequest {
    origin: Option<HeaderValue>,
    allowed: bool,
}

impl CorsRequest {
    pub fn of(req: &HttpRequest, settings: &Settings) -> Self {
        let origin = req.headers().get(header::ORIGIN).cloned();
        let allowed = origin.as_ref().is_some_and(|o| origin_allowed(settings, o));
        Self { origin, allowed }
    }

    /// The answer to a preflight, which never reaches a service; `None` for any other request.
    pub fn preflight(&self, req: &HttpRequest, settings: &Settings) -> Option<HttpResponse> {
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if !preflight {
            return None;
        }
        let Some(origin) = self.origin.as_ref().filter(|_| self.allowed) else {
            return Some(ApiError::forbidden("Origin not allowed").error_response());
        };
        let mut res = HttpResponse::NoContent().finish();
        let h = res.headers_mut();
        grant(h, origin);
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from(settings.cors_max_age.as_secs()),
        );
        Some(res)
    }

    /// The grant (or its absence) on an ordinary response; a service's own CORS headers never pass.
    pub fn apply(&self, h: &mut HeaderMap) {
        h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        h.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        if let Some(origin) = self.origin.as_ref() {
            if self.allowed {
                grant(h, origin);
                h.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSE_HEADERS),
                );
            }
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}

fn grant(h: &mut HeaderMap, origin: &HeaderValue) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}
