//! forward: the body read or streamed within its limit, the request rewritten for the service (verified
//! bearer, forged identity headers stripped: `proxy::headers`) and sent over this worker's pooled
//! connection (`proxy::forward`). How the call went is left in the context for the logging phase.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::http::current_request_id;

use super::{Access, Ctx, UpstreamCall};
use crate::error::{ErrorSource, GatewayError};
use crate::identity::REFRESH_COOKIE;
use crate::proxy::body::{self, OutBody};
use crate::proxy::forward::{self, Target};
use crate::proxy::forwarded_proto;
use crate::proxy::headers::{self, Forwarding};
use crate::routing::{BodyRule, Route, Upstream};

pub async fn run(ctx: &mut Ctx<'_>, payload: web::Payload) -> Result<HttpResponse, GatewayError> {
    let Ctx {
        req, state, route, ..
    } = *ctx;
    let settings = &state.settings;
    let body = match body_rule(req, &route) {
        BodyRule::Webhook => {
            OutBody::Full(body::read_small(req, payload, settings.body_limits.webhook).await?)
        }
        BodyRule::Small => {
            OutBody::Full(body::read_small(req, payload, settings.body_limits.json).await?)
        }
        BodyRule::Multipart => {
            OutBody::Stream(body::stream(req, payload, settings.body_limits.multipart)?)
        }
    };
    let session_route = route.upstream == Upstream::Auth && !route.silent_refresh;
    let request_id = current_request_id().unwrap_or_default();
    let principal = match ctx.access {
        Access::Principal => ctx.identity.principal.as_ref(),
        _ => None,
    };
    let forwarding = Forwarding {
        bearer: principal.map(|p| p.token.as_str()),
        original_credentials: ctx.access == Access::AnonymousWithOriginalCredentials,
        // A silent refresh spent the client's refresh cookie: the old one must not reach a service.
        refresh_cookie: session_route
            && !ctx.identity.refreshed
            && crate::cookies::has(req, REFRESH_COOKIE),
        request_id: &request_id,
        client_ip: &ctx.ip_text,
        proto: forwarded_proto(req, state),
        traceparent: shared::telemetry::traceparent_from_current_span().or_else(|| {
            req.headers()
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        }),
    };
    let upstream_headers = headers::upstream_headers(req, &forwarding);
    let multipart = matches!(body, OutBody::Stream(_));
    let target = Target {
        endpoint: state.endpoint(route.upstream),
        service: route.upstream.name(),
        timeout: if multipart {
            settings.timeouts.upload
        } else {
            settings.timeouts.request
        },
    };
    let started = std::time::Instant::now();
    let res = forward::send(req, &target, upstream_headers, body).await;
    let (outcome, failed) = match &res {
        Ok(_) => ("ok", false),
        Err(e) => outcome(e),
    };
    ctx.upstream = Some(UpstreamCall {
        elapsed: started.elapsed(),
        outcome,
        failed,
    });
    res
}

/// The metric label of a failed call, and whether the service (rather than the client) failed.
fn outcome(error: &GatewayError) -> (&'static str, bool) {
    match error {
        GatewayError::UpstreamTimeout { .. } => ("timeout", true),
        GatewayError::UpstreamUnreachable { .. } => ("connect", true),
        GatewayError::ClientAborted => ("client_aborted", false),
        GatewayError::PayloadTooLarge => ("too_large", false),
        other => ("other", other.source() != ErrorSource::Downstream),
    }
}

fn body_rule(req: &HttpRequest, route: &Route) -> BodyRule {
    if route.webhook {
        return BodyRule::Webhook;
    }
    let multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    if multipart {
        BodyRule::Multipart
    } else {
        BodyRule::Small
    }
}
