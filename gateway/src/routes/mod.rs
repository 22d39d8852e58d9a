//! HTTP routes of the gateway: its own (health, the platform report, API docs) and the proxied groups.

mod docs;
mod health;
mod health_report;
mod healthcheck;

use actix_web::http::Method;
use actix_web::web;

pub use docs::own_document;

use crate::phases::proxy;

/// Answers a gateway-owned public route by the platform's rule for bad credentials: a bad bearer token or
/// API key is 401, a bad cookie is cleared on the answer `respond` builds.
pub(super) async fn public_route(
    req: &actix_web::HttpRequest,
    state: &crate::state::AppState,
    respond: impl Future<Output = actix_web::HttpResponse>,
) -> actix_web::HttpResponse {
    let ip = crate::proxy::caller_ip(req, state);
    let clear = match state.authenticator().judge_on_public_route(req, ip).await {
        Ok(clear) => clear,
        Err(refused) => {
            refused.log();
            return refused.response();
        }
    };
    let mut res = respond.await;
    if clear {
        let https = crate::proxy::forwarded_proto(req, state) == "https";
        res.headers_mut().append(
            actix_web::http::header::SET_COOKIE,
            shared::http::clear_access_cookie(https),
        );
    }
    res
}

/// Mounts every route of the gateway.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // The gateway's own routes; the proxied ones answer `Allow`, `OPTIONS` and `HEAD` at their services.
    cfg.app_data(web::Data::new(
        shared::http::AllowTable::new()
            .route("/api/v1/healthcheck", &[Method::GET])
            .route("/api/v1/openapi.json", &[Method::GET])
            .route("/docs", &[Method::GET])
            .route("/docs/*", &[Method::GET]),
    ));
    health::configure(cfg);
    healthcheck::configure(cfg);
    // The proxied groups (`routing::GROUPS`), one scope each so traces name the group rather than the raw
    // path. Scopes match by prefix without a regex, which keeps routing off the profile.
    for group in &crate::routing::GROUPS {
        cfg.service(web::scope(group.prefix).default_service(web::to(proxy)));
    }
    cfg.service(
        web::scope(crate::routing::PAGES_PREFIX.trim_end_matches('/'))
            .default_service(web::to(proxy)),
    );
    // Last: the viewer's route is a regex, which every request would otherwise be matched against first.
    docs::configure(cfg);
}
