//! The proxy handler as named phases over one per-request context, after Pingora's `ProxyHttp`:
//! **route → screen → identify → limit → authorise → forward**, then **rewrite** and **logging** on
//! whatever answers. Each phase is a plain function of the [`Ctx`] (static dispatch: nothing is boxed or
//! cloned per request for it) that either lets the request go on (`Ok(())`) or answers now (`Err`): the
//! error's source decides its status and log level (`error.rs`). An early answer still goes through
//! rewrite and logging, and then through the same middleware (request id, security headers, CORS, the
//! access line) as a proxied one.

mod authorise;
mod forward;
mod identify;
mod limit;
mod logging;
mod rewrite;
mod route;
mod screen;

use std::net::IpAddr;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::GatewayError;
use crate::identity::{CredentialKind, Identity, Presented};
use crate::rate_limit::Decision;
use crate::routing::Route;
use crate::state::AppState;

/// A phase's outcome: `Ok(())` goes on to the next phase, `Err` answers now.
pub type Step = Result<(), GatewayError>;

/// Everything the phases learn about one request, in the order they learn it.
pub struct Ctx<'r> {
    pub req: &'r HttpRequest,
    pub state: &'r AppState,
    /// route: the service, and the rules of the path.
    pub route: Route,
    /// route: the client's address (socket peer or trusted `X-Forwarded-For`).
    pub ip: IpAddr,
    /// The same, formatted once: the limiter and the forwarded headers both need it as text.
    pub ip_text: String,
    /// route: the credentials as found, before any check; their values move on in identify.
    pub presented: Presented,
    /// route: which credentials those were (what the later phases need of them).
    pub credential: CredentialKind,
    /// identify: who is calling, or why the credentials were refused, and a silent refresh's cookies.
    pub identity: Identity,
    /// limit: the client's budget, reported on the answer (`None` on exempt routes).
    pub decision: Option<Decision>,
    /// authorise: how the request may go on.
    pub access: Access,
    /// forward: how the call to the service went, for the logging phase.
    pub upstream: Option<UpstreamCall>,
}

/// The authorise phase's verdict on a request that may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// A verified principal: its token is forwarded as `Authorization: Bearer`.
    Principal,
    /// Nobody, on a public route.
    #[default]
    Anonymous,
    /// Nobody on a public route of auth-service, which receives the client's own credentials to judge
    /// them itself: the gateway could not (Redis down, say), and auth-service checks the same state.
    AnonymousWithOriginalCredentials,
    /// A bad `token` cookie on a public route: the anonymous answer, and the browser is told to drop the
    /// cookie (it is HttpOnly, so the page cannot).
    AnonymousClearingCookie,
}

/// One forwarded call, as the logging phase records it.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamCall {
    pub elapsed: Duration,
    /// `ok`, or what went wrong (`connect`, `timeout`, `other`, `client_aborted`, `too_large`).
    pub outcome: &'static str,
    /// The service (not the client) failed.
    pub failed: bool,
}

/// Every proxied route lands here.
pub async fn proxy(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut ctx = match route::run(&req, &state) {
        Ok(ctx) => ctx,
        Err(error) => return error.response(),
    };
    let (mut res, error) = match request(&mut ctx, payload).await {
        Ok(res) => (res, None),
        Err(error) => (error.response(), Some(error)),
    };
    rewrite::run(&mut ctx, &mut res);
    logging::run(&ctx, error.as_ref());
    res
}

/// The phases that may answer early, in order.
async fn request(ctx: &mut Ctx<'_>, payload: web::Payload) -> Result<HttpResponse, GatewayError> {
    screen::run(ctx)?;
    identify::run(ctx).await?;
    limit::run(ctx).await?;
    authorise::run(ctx)?;
    forward::run(ctx, payload).await
}
