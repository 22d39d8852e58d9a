//! The proxy handler, in phases (after Pingora's `ProxyHttp`): route, identify, limit, authorise (any of
//! which may answer early), then forward and rewrite the answer.

mod body;
mod forward;
pub mod headers;
pub mod pool;

use actix_web::http::Method;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use shared::error::{ApiError, ErrorCode};
use shared::http::{RouteLabel, current_request_id};

use crate::client_ip::client_ip;
use crate::cors::origin_allowed;
use crate::error::GatewayError;
use crate::identity::{Identity, Presented, Principal, REFRESH_COOKIE};
use crate::rate_limit::{Bucket, Decision, apply_headers};
use crate::routing::{BodyRule, Route, Upstream};
use crate::state::AppState;
use body::OutBody;
use forward::Target;
use headers::Forwarding;

/// Every proxied route lands here.
pub async fn proxy(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(route) = crate::routing::route(req.method(), req.path()) else {
        return error_response(GatewayError::NotFound.into());
    };
    req.extensions_mut().insert(RouteLabel {
        route: route.group,
        upstream: route.upstream.name(),
    });
    // Formatted once: the limiter and the forwarded headers both need it as text.
    let ip = caller_ip(&req, &state).to_string();
    let presented = crate::identity::presented(&req);
    if refused_by_origin(&req, &state, &presented) {
        return error_response(
            GatewayError::Forbidden("Cross-origin request from an origin that is not allowed")
                .into(),
        );
    }
    let identity = state
        .authenticator()
        .identify(&req, &route, &presented)
        .await;
    let decision = if route.exempt {
        None
    } else {
        let client: std::borrow::Cow<'_, str> = match &identity.principal {
            Some(p) => p.client_key.as_str().into(),
            None => format!("ip:{ip}").into(),
        };
        let decision = limit(&state, &route, &client, &ip).await;
        if !decision.allowed {
            return too_many_requests(&decision);
        }
        Some(decision)
    };
    let Identity {
        principal,
        refused,
        set_cookies,
    } = identity;
    // Credentials that were judged and found bad (not merely impossible to judge right now).
    let judged_bad = matches!(
        refused,
        Some(GatewayError::BadCredentials(_) | GatewayError::AccountInactive)
    );
    // auth-service judges credentials the gateway could not judge itself (it checks the same state).
    let original_credentials = principal.is_none()
        && route.upstream == Upstream::Auth
        && !matches!(presented, Presented::None)
        && !judged_bad;
    // A bad `token` cookie on a public route: the anonymous answer, and the browser is told to drop the
    // cookie (it is HttpOnly, so the page cannot).
    let clear_cookie = principal.is_none() && judged_bad && presented.is_cookie();
    let answer_now = match (&principal, route.public) {
        (Some(_), _) => None,
        // Anonymous on a protected route: the reason the credentials were refused, if any were sent.
        (None, false) => Some(refused.unwrap_or(GatewayError::NotLoggedIn)),
        // One answer to a bad bearer token or API key on every route: the client sent it on purpose and
        // must learn it is bad, not silently see the anonymous view.
        (None, true) if judged_bad && !presented.is_cookie() && !route.refresh => refused,
        (None, true) => None,
    };
    let forwarded = match answer_now {
        Some(refused) => Err(refused),
        None => {
            let call = Call {
                req: &req,
                state: &state,
                route: &route,
                principal: principal.as_ref(),
                original_credentials,
                refreshed: !set_cookies.is_empty(),
                ip: &ip,
            };
            call.forward(payload).await
        }
    };
    let mut res = forwarded.unwrap_or_else(|err| error_response(err.into()));
    if let Some(decision) = &decision {
        apply_headers(res.headers_mut(), decision);
    }
    for cookie in set_cookies {
        res.headers_mut()
            .append(actix_web::http::header::SET_COOKIE, cookie);
    }
    if clear_cookie && route.public && !shared::http::sets_access_cookie(res.headers()) {
        res.headers_mut().append(
            actix_web::http::header::SET_COOKIE,
            shared::http::clear_access_cookie(forwarded_proto(&req, &state) == "https"),
        );
    }
    res
}

/// What the earlier phases established about one request that may go on.
struct Call<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    route: &'a Route,
    principal: Option<&'a Principal>,
    /// Pass the client's own credentials to auth-service (the gateway could not judge them).
    original_credentials: bool,
    /// The session was rotated silently: the old refresh cookie must not reach a service.
    refreshed: bool,
    ip: &'a str,
}

impl Call<'_> {
    /// Reads the body within its limit and forwards the request to its service.
    async fn forward(&self, payload: web::Payload) -> Result<HttpResponse, GatewayError> {
        let Self {
            req,
            state,
            route,
            principal,
            original_credentials,
            refreshed,
            ip,
        } = *self;
        let settings = &state.settings;
        let body = match body_rule(req, route) {
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
        let forwarding = Forwarding {
            bearer: principal.map(|p| p.token.as_str()),
            original_credentials,
            refresh_cookie: session_route && !refreshed && crate::cookies::has(req, REFRESH_COOKIE),
            request_id: &request_id,
            client_ip: ip,
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
        let error = res.as_ref().err().map(|e| match e {
            GatewayError::UpstreamTimeout { .. } => "timeout",
            GatewayError::UpstreamUnreachable { .. } => "connect",
            _ => "other",
        });
        crate::metrics::upstream_call(route.upstream.name(), started.elapsed(), error);
        if let Err(e) = &res {
            tracing::debug!(upstream = route.upstream.name(), error = %e, "forwarding failed");
        }
        res
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

/// The global budget of the client, then (credential routes) the stricter per-IP one; the answer reports
/// whichever is closer to running out.
pub async fn limit(state: &AppState, route: &Route, client: &str, ip: &str) -> Decision {
    let global = state.limiter.check(Bucket::Global, client).await;
    crate::metrics::rate_limit("global", global.allowed);
    if !global.allowed || !route.credential {
        return global;
    }
    let credentials = state
        .limiter
        .check(Bucket::Credentials, &format!("ip:{ip}"))
        .await;
    crate::metrics::rate_limit("credentials", credentials.allowed);
    if !credentials.allowed || credentials.remaining < global.remaining {
        credentials
    } else {
        global
    }
}

/// 429 in the envelope with every rate-limit header.
pub fn too_many_requests(decision: &Decision) -> HttpResponse {
    let mut res = error_response(ApiError::new(
        ErrorCode::RateLimited,
        "Too many requests, please try again later",
    ));
    apply_headers(res.headers_mut(), decision);
    res
}

fn error_response(err: ApiError) -> HttpResponse {
    err.error_response()
}

/// The client's address (socket peer or trusted `X-Forwarded-For`).
pub fn caller_ip(req: &HttpRequest, state: &AppState) -> std::net::IpAddr {
    let peer = req
        .peer_addr()
        .map_or(std::net::IpAddr::from([127, 0, 0, 1]), |a| a.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_ip(peer, &forwarded, &state.settings.trusted_proxies)
}

/// `https` only when a trusted proxy says so.
pub fn forwarded_proto(req: &HttpRequest, state: &AppState) -> &'static str {
    let peer_trusted = req.peer_addr().is_some_and(|a| {
        state
            .settings
            .trusted_proxies
            .iter()
            .any(|c| c.contains(a.ip()))
    });
    let https = peer_trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    if https { "https" } else { "http" }
}

/// A state-changing request authenticated by the browser's own cookies, sent from a page of an origin we
/// do not serve, is refused: SameSite already stops most of these, this stops the rest.
fn refused_by_origin(req: &HttpRequest, state: &AppState, presented: &Presented) -> bool {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cookie_auth = presented.is_cookie()
        || (matches!(presented, Presented::None) && crate::cookies::has(req, REFRESH_COOKIE));
    let origin = req.headers().get("origin");
    !safe && cookie_auth && origin.is_some_and(|o| !origin_allowed(&state.settings, o))
}
