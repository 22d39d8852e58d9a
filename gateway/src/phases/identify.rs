//! identify: who is calling (`identity`): the token verified and checked against revocation, an API key
//! resolved (within the caller's lookup budget), an expired cookie session refreshed silently. Refused
//! credentials do not answer here (whether they matter is the authorise phase's call), except a caller
//! over its API-key lookup budget, whose key could not be judged at all.

use super::{Ctx, Step};
use crate::error::{ErrorSource, GatewayError};
use crate::identity::Presented;

pub async fn run(ctx: &mut Ctx<'_>) -> Step {
    let presented = std::mem::replace(&mut ctx.presented, Presented::None);
    ctx.identity = ctx
        .state
        .authenticator()
        .identify(ctx.req, &ctx.route, presented, ctx.ip)
        .await;
    match &ctx.identity.refused {
        Some(GatewayError::RateLimited(decision)) => Err(GatewayError::RateLimited(*decision)),
        // A public route goes on anonymously whatever stopped identification, so an upstream or internal
        // failure (auth-service down, our service token refused) is logged here: no answer will carry it.
        Some(error) if ctx.route.public && error.source() != ErrorSource::Downstream => {
            error.log();
            Ok(())
        }
        _ => Ok(()),
    }
}
