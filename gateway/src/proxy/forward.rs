//! Sends a request to its service over this worker's pooled connections and streams the answer back: a
//! deadline for the response headers (the body then streams at its own pace), one more attempt when the
//! connection failed before the request went out, and errors classified by origin (502 unreachable, 504
//! too slow, the client's own body failing is the client's error).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use hyper::body::{Body, Incoming};
use hyper::header::HeaderMap;

use super::body::OutBody;
use super::headers::{passes_downstream, to_actix, upstream_connection_listed};
use super::pool::{Endpoint, Sender, Slot};
use crate::error::GatewayError;

/// Where and how long.
pub struct Target<'a> {
    pub endpoint: &'a Endpoint,
    pub service: &'static str,
    pub timeout: Duration,
}

/// Forwards `req` (with `headers` and `body`) to `target` and converts the answer.
pub async fn send(
    req: &HttpRequest,
    target: &Target<'_>,
    mut headers: HeaderMap,
    body: OutBody,
) -> Result<HttpResponse, GatewayError> {
    let method = hyper::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|e| GatewayError::BadBody(format!("Unsupported method: {e}")))?;
    let idempotent = matches!(
        method,
        hyper::Method::GET
            | hyper::Method::HEAD
            | hyper::Method::OPTIONS
            | hyper::Method::PUT
            | hyper::Method::DELETE
    );
    headers.insert(hyper::header::HOST, target.endpoint.host.clone());
    let fault = match &body {
        OutBody::Stream(up) => Some(std::rc::Rc::clone(&up.fault)),
        _ => None,
    };
    let mut request = hyper::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = upstream_uri(target.endpoint, req)?;
    *request.headers_mut() = headers;
    let exchange = exchange(target, request, idempotent);
    let answer = tokio::time::timeout(target.timeout, exchange).await;
    // A send that failed because the client's body did is the client's failure, not the service's.
    if !matches!(answer, Ok(Ok(_)))
        && let Some(fault) = fault.and_then(|f| f.get())
    {
        return Err(fault.error());
    }
    let (res, sender) = match answer {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return Err(GatewayError::UpstreamTimeout {
                service: target.service,
            });
        }
    };
    Ok(to_response(res, sender, target.endpoint.slot()))
}

/// The request line's target on the service: its base path, then the client's path and query verbatim.
fn upstream_uri(endpoint: &Endpoint, req: &HttpRequest) -> Result<hyper::Uri, GatewayError> {
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let uri = if endpoint.base_path.is_empty() {
        hyper::Uri::try_from(path_and_query)
    } else {
        hyper::Uri::try_from(format!("{}{path_and_query}", endpoint.base_path))
    };
    uri.map_err(|e| GatewayError::BadBody(format!("Unusable request path: {e}")))
}

/// Sends on a pooled (or new) connection. A connection that could not be opened is tried once more for
/// idempotent requests; a request that never left (a kept-alive connection the service had just closed)
/// is sent once more on a fresh connection, whatever its method, since the service never saw it.
async fn exchange(
    target: &Target<'_>,
    mut request: hyper::Request<OutBody>,
    idempotent: bool,
) -> Result<(hyper::Response<Incoming>, Sender), GatewayError> {
    let mut retried = false;
    loop {
        let mut sender = match target.endpoint.checkout().await {
            Ok(sender) => sender,
            Err(e) if idempotent && !retried => {
                tracing::warn!(upstream = target.service, error = %e, "retrying once");
                retried = true;
                continue;
            }
            Err(e) => {
                return Err(GatewayError::UpstreamUnreachable {
                    service: target.service,
                    source: e.into(),
                });
            }
        };
        match sender.try_send_request(request).await {
            Ok(res) => return Ok((res, sender)),
            Err(mut e) => match e.take_message() {
                Some(unsent) if !retried => {
                    tracing::debug!(
                        upstream = target.service,
                        "connection closed before sending; resending"
                    );
                    request = unsent;
                    retried = true;
                }
                _ => {
                    return Err(GatewayError::UpstreamUnreachable {
                        service: target.service,
                        source: e.into_error().into(),
                    });
                }
            },
        }
    }
}

/// The service's answer as the client's response, body streamed.
fn to_response(res: hyper::Response<Incoming>, sender: Sender, slot: Slot) -> HttpResponse {
    let (parts, body) = res.into_parts();
    let status = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut builder = HttpResponse::build(status);
    let listed = upstream_connection_listed(&parts.headers);
    for (name, value) in &parts.headers {
        if passes_downstream(name.as_str(), &listed)
            && let Some(pair) = to_actix(name, value)
        {
            builder.append_header(pair);
        }
    }
    if body.is_end_stream() {
        // No body (hyper knows HEAD, 204 and 304 have none): the connection can serve the next exchange.
        drop(body);
        slot.checkin(sender);
        return builder.finish();
    }
    builder.body(Answer {
        body,
        give_back: Some((slot, sender)),
    })
}

/// A service's answer body on its way to the client; its connection goes back to the pool once the body
/// has been read to the end (a client that leaves early drops it, and the connection with it).
struct Answer {
    body: Incoming,
    give_back: Option<(Slot, Sender)>,
}

impl MessageBody for Answer {
    type Error = hyper::Error;

    fn size(&self) -> BodySize {
        // Keep the length (players and download bars rely on it) while still streaming.
        self.body
            .size_hint()
            .exact()
            .map_or(BodySize::Stream, BodySize::Sized)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => {
                    // Trailers have no place in the client's HTTP/1.1 answer.
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.give_back = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    if let Some((slot, sender)) = this.give_back.take() {
                        slot.checkin(sender);
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}
