//! screen: the cheap refusals that come before any credential work (a signature check, a revocation
//! lookup, a call to auth-service): a cookie-authenticated state-changing request from an origin we do
//! not serve, and a client IP over its in-process budget (`IP_RATE_LIMIT_MAX`, no Redis).

use actix_web::HttpRequest;
use actix_web::http::Method;

use super::{Ctx, Step};
use crate::cors::origin_allowed;
use crate::error::GatewayError;
use crate::identity::{CredentialKind, REFRESH_COOKIE};
use crate::state::AppState;

pub fn run(ctx: &mut Ctx<'_>) -> Step {
    if refused_by_origin(ctx.req, ctx.state, ctx.credential) {
        return Err(GatewayError::Forbidden(
            "Cross-origin request from an origin that is not allowed",
        ));
    }
    if ctx.route.exempt {
        return Ok(());
    }
    let decision = ctx.state.per_ip.check(ctx.ip);
    if !decision.allowed {
        // Only refusals are counted: this check runs on every request and must stay cheap.
        crate::metrics::rate_limit("per_ip", false);
        return Err(GatewayError::RateLimited(decision));
    }
    Ok(())
}

/// A state-changing request authenticated by the browser's own cookies, sent from a page of an origin we
/// do not serve, is refused: SameSite already stops most of these, this stops the rest.
fn refused_by_origin(req: &HttpRequest, state: &AppState, credential: CredentialKind) -> bool {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cookie_auth = credential == CredentialKind::Cookie
        || (credential == CredentialKind::None && crate::cookies::has(req, REFRESH_COOKIE));
    let origin = req.headers().get("origin");
    !safe && cookie_auth && origin.is_some_and(|o| !origin_allowed(&state.settings, o))
}
