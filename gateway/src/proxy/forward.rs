//! Sends a request to its service and streams the answer back: one pooled client, a deadline for the
//! response headers (the body then streams at its own pace), at most one retry for idempotent requests
//! whose connection failed, and errors classified by origin (502 unreachable, 504 too slow).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use reqwest::header::HeaderMap;

use super::body::{Outgoing, declared_length};
use super::headers::{passes_downstream, to_actix, upstream_connection_listed};
use crate::error::GatewayError;

/// Where and how long.
pub struct Target {
    pub url: reqwest::Url,
    pub service: &'static str,
    pub timeout: Duration,
}

/// Forwards `req` (with `headers` and `body`) to `target` and converts the answer.
pub async fn send(
    http: &reqwest::Client,
    req: &HttpRequest,
    target: &Target,
    mut headers: HeaderMap,
    body: Outgoing,
) -> Result<HttpResponse, GatewayError> {
    let url = &target.url;
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|e| GatewayError::BadBody(format!("Unsupported method: {e}")))?;
    let head = method == reqwest::Method::HEAD;
    let request = |headers: HeaderMap| http.request(method.clone(), url.clone()).headers(headers);
    let response = match body {
        Outgoing::Stream { body, too_large } => {
            if let Some(len) = declared_length(req) {
                headers.insert(reqwest::header::CONTENT_LENGTH, len.into());
            }
            let sent = deadline(target, request(headers).body(body).send()).await;
            match sent {
                Err(_) if too_large.load(std::sync::atomic::Ordering::Acquire) => {
                    return Err(GatewayError::PayloadTooLarge);
                }
                other => other?,
            }
        }
        replayable => {
            let idempotent = matches!(
                method,
                reqwest::Method::GET
                    | reqwest::Method::HEAD
                    | reqwest::Method::OPTIONS
                    | reqwest::Method::PUT
                    | reqwest::Method::DELETE
            );
            let attempt = |headers: HeaderMap| {
                let builder = request(headers);
                match &replayable {
                    Outgoing::Bytes(b) => builder.body(b.clone()),
                    _ => builder,
                }
            };
            match deadline(target, attempt(headers.clone()).send()).await {
                Err(Failure::Connect(e)) if idempotent => {
                    tracing::warn!(upstream = target.service, error = %e, "retrying once");
                    deadline(target, attempt(headers).send()).await?
                }
                other => other?,
            }
        }
    };
    Ok(to_response(response, head))
}

/// Why an attempt failed: a connection that never opened (safe to retry) or anything else.
enum Failure {
    Connect(GatewayError),
    Other(GatewayError),
}

impl From<Failure> for GatewayError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Connect(e) | Failure::Other(e) => e,
        }
    }
}

async fn deadline(
    target: &Target,
    send: impl Future<Output = reqwest::Result<reqwest::Response>>,
) -> Result<reqwest::Response, Failure> {
    match tokio::time::timeout(target.timeout, send).await {
        Ok(Ok(res)) => Ok(res),
        Ok(Err(e)) if e.is_connect() => Err(Failure::Connect(GatewayError::UpstreamUnreachable {
            service: target.service,
            source: e.into(),
        })),
        Ok(Err(e)) if e.is_timeout() => Err(Failure::Other(GatewayError::UpstreamTimeout {
            service: target.service,
        })),
        Ok(Err(e)) => Err(Failure::Other(GatewayError::UpstreamUnreachable {
            service: target.service,
            source: e.into(),
        })),
        Err(_) => Err(Failure::Other(GatewayError::UpstreamTimeout {
            service: target.service,
        })),
    }
}

/// The service's answer as the client's response, body streamed.
fn to_response(res: reqwest::Response, head: bool) -> HttpResponse {
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut builder = HttpResponse::build(status);
    let listed = upstream_connection_listed(res.headers());
    for (name, value) in res.headers() {
        if passes_downstream(name.as_str(), &listed)
            && let Some(pair) = to_actix(name, value)
        {
            builder.append_header(pair);
        }
    }
    if head || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return builder.finish();
    }
    if let Some(len) = res.content_length() {
        // Keep the length (players and download bars rely on it) while still streaming.
        builder.no_chunking(len);
    }
    builder.streaming(res.bytes_stream())
}
