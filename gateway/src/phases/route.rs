//! route: which service owns the path and under which rules (`routing`), and what the later phases
//! read from the request once: the client's address and the credentials presented.

use actix_web::{HttpMessage, HttpRequest};
use shared::http::RouteLabel;

use super::{Access, Ctx};
use crate::error::GatewayError;
use crate::identity::{CredentialKind, Identity};
use crate::proxy::caller_ip;
use crate::state::AppState;

/// The context of a routed request; 404 for anything the gateway does not proxy.
pub fn run<'r>(req: &'r HttpRequest, state: &'r AppState) -> Result<Ctx<'r>, GatewayError> {
    let route = crate::routing::route(req.method(), req.path()).ok_or(GatewayError::NotFound)?;
    req.extensions_mut().insert(RouteLabel {
        route: route.group,
        upstream: route.upstream.name(),
    });
    let ip = caller_ip(req, state);
    let presented = crate::identity::presented(req);
    Ok(Ctx {
        req,
        state,
        route,
        ip,
        ip_text: ip.to_string(),
        credential: CredentialKind::of(&presented),
        presented,
        identity: Identity::default(),
        decision: None,
        access: Access::default(),
        upstream: None,
    })
}
