//! The one middleware around every route: CORS (preflights answered here) and the security headers on
//! whatever answers, the gateway's own errors included. One layer rather than one per concern: each
//! layer boxes and polls its own future on every request.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::cors::CorsRequest;
use crate::proxy::forwarded_proto;
use crate::security_headers;
use crate::state::AppState;

pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let settings = &state.settings;
    let cors = CorsRequest::of(req.request(), settings);
    let https = forwarded_proto(req.request(), &state) == "https";
    let surface = security_headers::Surface::of(req.path());
    let mut res = match cors.preflight(req.request(), settings) {
        Some(answer) => req.into_response(answer),
        None => next.call(req).await?.map_into_boxed_body(),
    };
    let h = res.headers_mut();
    cors.apply(h);
    security_headers::apply(h, surface, https);
    Ok(res)
}
