//! limit: the client's shared budget (per user, API key or IP; `rate_limit`), then on credential routes
//! the stricter per-IP one. The decision is reported on the answer by the rewrite phase.

use std::borrow::Cow;

use super::{Ctx, Step};
use crate::error::GatewayError;
use crate::rate_limit::{Bucket, Decision};
use crate::routing::Route;
use crate::state::AppState;

pub async fn run(ctx: &mut Ctx<'_>) -> Step {
    if ctx.route.exempt {
        return Ok(());
    }
    let client: Cow<'_, str> = match &ctx.identity.principal {
        Some(p) => p.client_key.as_str().into(),
        None => format!("ip:{}", ctx.ip_text).into(),
    };
    let decision = limit(ctx.state, &ctx.route, &client, &ctx.ip_text).await;
    if !decision.allowed {
        return Err(GatewayError::RateLimited(decision));
    }
    ctx.decision = Some(decision);
    Ok(())
}

/// The global budget of the client, then (credential routes) the stricter per-IP one; the answer reports
/// whichever is closer to running out.
async fn limit(state: &AppState, route: &Route, client: &str, ip: &str) -> Decision {
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
