//! Forwarding machinery for the phases (`phases`): request bodies (`body`), the call to a service over
//! per-worker pooled connections (`forward`, `pool`), header hygiene both ways (`headers`), and how the
//! client's address and scheme are read.

pub mod body;
pub mod forward;
pub mod headers;
pub mod pool;

use actix_web::HttpRequest;

use crate::client_ip::client_ip;
use crate::state::AppState;

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
