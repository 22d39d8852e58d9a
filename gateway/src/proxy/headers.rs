//! Header hygiene in both directions: what a client may pass to a service (never hop-by-hop headers,
//! never anything that claims an identity or an internal origin), what the gateway adds from data it
//! trusts, and what of a service's answer goes back to the client.

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap as ActixHeaders, HeaderName as ActixName};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};

use crate::cookies::Keep;
use crate::identity::API_KEY_HEADER;

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus `proxy-connection`.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a client-sent header claims something only the platform may say (who the user is, which
/// service is calling, where the request came from); such headers never reach a service.
pub fn is_forged_internal(name: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "x-user",
        "x-internal",
        "x-forwarded",
        "x-auth-",
        "x-service-",
        "x-original-",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
        || matches!(
            name,
            "forwarded" | "x-real-ip" | "x-client-ip" | "x-role" | "x-roles" | "x-account-id"
        )
}

fn listed_in_connection(headers: &ActixHeaders) -> Vec<String> {
    headers
        .get_all("connection")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .collect()
}

/// What the gateway decided to tell the service.
pub struct Forwarding<'a> {
    /// The verified token, sent as `Authorization: Bearer`.
    pub bearer: Option<&'a str>,
    /// Pass the client's own credentials untouched (auth-service judges them itself).
    pub original_credentials: bool,
    /// Pass the refresh cookie (auth-service's session routes only).
    pub refresh_cookie: bool,
    pub request_id: &'a str,
    pub client_ip: &'a str,
    pub proto: &'a str,
    pub traceparent: Option<String>,
}

/// The headers of the request to the service.
pub fn upstream_headers(req: &HttpRequest, f: &Forwarding<'_>) -> HeaderMap {
    let incoming = req.headers();
    let connection_listed = listed_in_connection(incoming);
    let mut out = HeaderMap::with_capacity(incoming.len() + 6);
    for (name, value) in incoming {
        let n = name.as_str();
        let credential = matches!(n, "authorization" | API_KEY_HEADER);
        if HOP_BY_HOP.contains(&n)
            || connection_listed.iter().any(|c| c == n)
            || is_forged_internal(n)
            || matches!(
                n,
                "host"
                    | "content-length"
                    | "cookie"
                    | "x-request-id"
                    | "traceparent"
                    | "tracestate"
            )
            || (credential && !f.original_credentials)
        {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(name, value);
        }
    }
    if let Some(cookie) = cookie_header(req, f) {
        out.insert(hyper::header::COOKIE, cookie);
    }
    if let Some(token) = f.bearer {
        let mut value = String::with_capacity(7 + token.len());
        value.push_str("Bearer ");
        value.push_str(token);
        if let Ok(v) = HeaderValue::from_maybe_shared(actix_web::web::Bytes::from(value)) {
            out.insert(hyper::header::AUTHORIZATION, v);
        }
    }
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-request-id", f.request_id);
    set("x-forwarded-for", f.client_ip);
    set("x-forwarded-proto", f.proto);
    if let Some(host) = incoming.get("host").and_then(|h| h.to_str().ok()) {
        set("x-forwarded-host", host);
    }
    if let Some(tp) = &f.traceparent {
        set("traceparent", tp);
    }
    out
}

/// The client's cookies byte for byte minus the ones that carry credentials, unless the service needs them.
fn cookie_header(req: &HttpRequest, f: &Forwarding<'_>) -> Option<HeaderValue> {
    let value = crate::cookies::forwardable(
        req,
        Keep {
            access: f.original_credentials,
            refresh: f.refresh_cookie,
        },
    )?;
    HeaderValue::from_bytes(value.as_bytes()).ok()
}

/// Whether a service's response header goes back to the client. CORS is the gateway's alone, and the
/// body framing is decided anew for the client connection.
pub fn passes_downstream(name: &str, connection_listed: &[String]) -> bool {
    !(HOP_BY_HOP.contains(&name)
        || connection_listed.iter().any(|c| c == name)
        || name == "content-length"
        || name.starts_with("access-control-"))
}

/// The `Connection`-listed names of a service's response.
pub fn upstream_connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .collect()
}

/// Converts a service header into actix's types (the two crates use different `http` versions).
pub fn to_actix(
    name: &HeaderName,
    value: &HeaderValue,
) -> Option<(ActixName, actix_web::http::header::HeaderValue)> {
    Some((
        ActixName::from_bytes(name.as_str().as_bytes()).ok()?,
        actix_web::http::header::HeaderValue::from_bytes(value.as_bytes()).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn forwarding() -> Forwarding<'static> {
        Forwarding {
            bearer: Some("verified"),
            original_credentials: false,
            refresh_cookie: false,
            request_id: "rid-1",
            client_ip: "203.0.113.5",
            proto: "http",
            traceparent: None,
        }
    }

    #[test]
    fn identity_claims_and_hop_by_hop_headers_never_reach_a_service() {
        let req = TestRequest::default()
            .insert_header(("x-user-id", "admin"))
            .insert_header(("X-User-Role", "admin"))
            .insert_header(("x-internal-token", "guess"))
            .insert_header(("x-forwarded-user", "admin"))
            .insert_header(("x-forwarded-for", "6.6.6.6"))
            .insert_header(("forwarded", "for=6.6.6.6"))
            .insert_header(("connection", "close, x-custom"))
            .insert_header(("x-custom", "hop"))
            .insert_header(("te", "trailers"))
            .insert_header(("authorization", "Bearer forged"))
            .insert_header(("x-api-key", "pk_x"))
            .insert_header(("accept", "application/json"))
            .to_http_request();
        let out = upstream_headers(&req, &forwarding());
        for gone in [
            "x-user-id",
            "x-user-role",
            "x-internal-token",
            "x-forwarded-user",
            "forwarded",
            "connection",
            "x-custom",
            "te",
            "x-api-key",
        ] {
            assert!(!out.contains_key(gone), "{gone} was forwarded");
        }
        assert_eq!(out["authorization"], "Bearer verified");
        assert_eq!(out["x-forwarded-for"], "203.0.113.5");
        assert_eq!(out["x-request-id"], "rid-1");
        assert_eq!(out["accept"], "application/json");
    }

    #[test]
    fn credential_cookies_are_dropped_unless_the_service_needs_them() {
        let req = TestRequest::default()
            .insert_header(("cookie", "token=abc; refresh_token=r1; theme=dark"))
            .to_http_request();
        let out = upstream_headers(&req, &forwarding());
        assert_eq!(out["cookie"], "theme=dark");
        let f = Forwarding {
            refresh_cookie: true,
            ..forwarding()
        };
        assert_eq!(
            upstream_headers(&req, &f)["cookie"],
            "refresh_token=r1; theme=dark"
        );
    }

    #[test]
    fn cors_and_framing_headers_of_a_service_do_not_pass() {
        assert!(!passes_downstream("access-control-allow-origin", &[]));
        assert!(!passes_downstream("transfer-encoding", &[]));
        assert!(!passes_downstream("x-custom", &["x-custom".into()]));
        assert!(passes_downstream("set-cookie", &[]));
        assert!(passes_downstream("content-range", &[]));
    }
}
