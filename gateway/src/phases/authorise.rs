//! authorise: whether the request may go on without a principal, by the platform's one rule for bad
//! credentials (`docs/gateway.md`, "One answer to bad credentials"). A method the path does not have is a
//! 405 first, whatever the credentials (`operations`).

use super::{Access, Ctx, Step};
use crate::error::GatewayError;
use crate::identity::CredentialKind;
use crate::routing::Upstream;

pub fn run(ctx: &mut Ctx<'_>) -> Step {
    let identity = &mut ctx.identity;
    if identity.principal.is_some() {
        ctx.access = Access::Principal;
        return Ok(());
    }
    let route = &ctx.route;
    let judged_bad = identity.judged_bad();
    let cookie = ctx.credential == CredentialKind::Cookie;
    if !route.public {
        // Anonymous on a protected route: the reason the credentials were refused, if any were sent.
        return Err(refusal(ctx.req, identity));
    }
    if judged_bad && !cookie && !route.refresh {
        // A bad bearer token or API key is refused on every route: the client sent it on purpose and must
        // learn it is bad, not silently see the anonymous view. (`refresh-token` does not consult it.)
        return Err(refusal(ctx.req, identity));
    }
    ctx.access = if judged_bad && cookie {
        Access::AnonymousClearingCookie
    } else if route.upstream == Upstream::Auth
        && !judged_bad
        && ctx.credential != CredentialKind::None
    {
        Access::AnonymousWithOriginalCredentials
    } else {
        Access::Anonymous
    };
    Ok(())
}

/// Why a request without a principal is refused: a method its path does not have comes first (405 with
/// `Allow`, whatever the credentials), then the credentials' own refusal, then "not logged in". Looked up
/// only here, on the refusal path, so the anonymous reads of public routes never touch the table.
fn refusal(req: &actix_web::HttpRequest, identity: &mut crate::identity::Identity) -> GatewayError {
    if let Some(allow) = crate::operations::undeclared(req.method(), req.path()) {
        return GatewayError::MethodNotAllowed(allow);
    }
    identity.refused.take().unwrap_or(GatewayError::NotLoggedIn)
}
