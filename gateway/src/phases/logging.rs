//! logging: the forwarded call's metrics and the error's one log line at its source's level. The request
//! metrics and the access line follow in `shared::http::request_context`, once the answer is complete.

use super::Ctx;
use crate::error::GatewayError;

pub fn run(ctx: &Ctx<'_>, error: Option<&GatewayError>) {
    if let Some(call) = &ctx.upstream {
        crate::metrics::upstream_call(
            ctx.route.upstream.name(),
            call.elapsed,
            call.outcome,
            call.failed,
        );
    }
    if let Some(error) = error {
        error.log();
    }
}
