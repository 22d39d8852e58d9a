//! rewrite: what the gateway adds to every answer, forwarded or its own: the rate-limit headers, a silent
//! refresh's cookies, and the order to drop a bad `token` cookie.

use actix_web::HttpResponse;
use actix_web::http::header::SET_COOKIE;

use super::{Access, Ctx};
use crate::proxy::forwarded_proto;
use crate::rate_limit::apply_headers;

pub fn run(ctx: &mut Ctx<'_>, res: &mut HttpResponse) {
    if let Some(decision) = &ctx.decision {
        apply_headers(res.headers_mut(), decision);
    }
    for cookie in ctx.identity.set_cookies.drain(..) {
        res.headers_mut().append(SET_COOKIE, cookie);
    }
    // Not when the answer sets a new `token` itself (a sign-in made by this same request).
    if ctx.access == Access::AnonymousClearingCookie
        && !shared::http::sets_access_cookie(res.headers())
    {
        let https = forwarded_proto(ctx.req, ctx.state) == "https";
        res.headers_mut()
            .append(SET_COOKIE, shared::http::clear_access_cookie(https));
    }
}
