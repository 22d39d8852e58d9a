//! CORS exactly as `api.md` §1: the configured origins only, with credentials; preflights answered here
//! (and cached by the browser), and the grant added to every response, errors included, so a browser can
//! read a 401, 429 or 502 instead of reporting an opaque network error.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use shared::error::ApiError;

use crate::config::Settings;
use crate::state::AppState;

const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS";
const ALLOW_HEADERS: &str =
    "Content-Type, Authorization, X-Requested-With, X-API-Key, X-Request-Id, Accept, Origin";
/// Response headers a frontend may read besides the CORS-safelisted ones.
const EXPOSE_HEADERS: &str = "RateLimit, RateLimit-Policy, Retry-After, X-RateLimit-Limit, \
X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id, Content-Range, Accept-Ranges, Content-Length";

/// Whether `origin` is one of `CLIENT_URL`'s.
pub fn origin_allowed(settings: &Settings, origin: &HeaderValue) -> bool {
    origin
        .to_str()
        .is_ok_and(|o| settings.allowed_origins.iter().any(|a| a == o))
}

/// Middleware: answers preflights and adds the grant to every response for an allowed origin.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed = origin
        .as_ref()
        .filter(|o| origin_allowed(&state.settings, o))
        .cloned();
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let res = match &allowed {
            Some(origin) => {
                let mut res = HttpResponse::NoContent().finish();
                let h = res.headers_mut();
                grant(h, origin);
                h.append(header::VARY, HeaderValue::from_static("Origin"));
                set(h, header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
                set(h, header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
                let max_age = state.settings.cors_max_age.as_secs().to_string();
                set(h, header::ACCESS_CONTROL_MAX_AGE, &max_age);
                res
            }
            None => ApiError::forbidden("Origin not allowed").error_response(),
        };
        return Ok(req.into_response(res));
    }
    // Handlers answer errors as responses, so they get the grant below. (Holding a clone of the request
    // to build a response for an inner middleware's `Err` is not possible: routing needs it unshared.)
    let mut res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers_mut();
    // A service's own CORS opinion never reaches the browser; the gateway decides.
    h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    h.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    if let Some(origin) = &allowed {
        grant(h, origin);
        set(h, header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
    }
    if origin.is_some() {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(res)
}

fn grant(h: &mut HeaderMap, origin: &HeaderValue) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}

fn set(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}
