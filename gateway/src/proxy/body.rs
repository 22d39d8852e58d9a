//! Request bodies on their way to a service: small ones (JSON, the webhook) read whole within their limit
//! so a 413 comes before any service is bothered; uploads streamed straight from the client's connection
//! into the service's, never held whole, and cut off (413) the moment they pass their limit.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::HttpRequest;
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, Payload};
use futures_util::Stream;
use hyper::body::{Body, Frame, SizeHint};

use crate::error::GatewayError;

/// A body ready to send.
pub enum OutBody {
    /// Read whole (`None`: no body); taken when sent.
    Full(Option<Bytes>),
    /// Streamed from the client as it arrives.
    Stream(Upload),
}

/// Why an upload stopped on the client's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// More than the limit was sent (413).
    TooLarge,
    /// The client's body broke off: a closed connection, a short body.
    ClientAborted,
}

impl Fault {
    pub fn error(self) -> GatewayError {
        match self {
            Self::TooLarge => GatewayError::PayloadTooLarge,
            Self::ClientAborted => GatewayError::ClientAborted,
        }
    }
}

/// An upload on its way through, counted against its limit.
pub struct Upload {
    payload: Payload,
    declared: Option<u64>,
    sent: u64,
    limit: u64,
    /// Set when the client's side of the upload failed (the send then fails too, and the caller answers
    /// for the client's fault, not the service's).
    pub fault: Rc<Cell<Option<Fault>>>,
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Self::Stream(up) => match Pin::new(&mut up.payload).poll_next(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => {
                    up.fault.set(Some(Fault::ClientAborted));
                    Poll::Ready(Some(Err(std::io::Error::other(e.to_string()))))
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    up.sent += chunk.len() as u64;
                    if up.sent > up.limit {
                        up.fault.set(Some(Fault::TooLarge));
                        return Poll::Ready(Some(Err(std::io::Error::other(
                            "request body over the limit",
                        ))));
                    }
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(None) => true,
            Self::Full(Some(_)) | Self::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Self::Stream(up) => up
                .declared
                .map_or_else(SizeHint::default, SizeHint::with_exact),
        }
    }
}

/// The declared `Content-Length`, if any.
pub fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Whether the request carries a body at all.
pub fn has_body(req: &HttpRequest) -> bool {
    declared_length(req).is_some_and(|n| n > 0) || req.headers().contains_key("transfer-encoding")
}

/// Reads the whole body, refusing more than `limit` bytes (declared or sent).
pub async fn read_small(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<Option<Bytes>, GatewayError> {
    if !has_body(req) {
        return Ok(None);
    }
    if declared_length(req).is_some_and(|n| n > limit as u64) {
        return Err(GatewayError::PayloadTooLarge);
    }
    let bytes = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| GatewayError::PayloadTooLarge)?
        .map_err(|e| match e.as_error::<PayloadError>() {
            // The client closed its connection or sent less than it declared.
            Some(PayloadError::Incomplete(_) | PayloadError::Io(_)) => GatewayError::ClientAborted,
            _ => GatewayError::BadBody(format!("Could not read the request body: {e}")),
        })?;
    Ok(Some(bytes))
}

/// Streams the body through to the service, counting bytes against `limit`.
pub fn stream(req: &HttpRequest, payload: Payload, limit: u64) -> Result<Upload, GatewayError> {
    let declared = declared_length(req);
    if declared.is_some_and(|n| n > limit) {
        return Err(GatewayError::PayloadTooLarge);
    }
    Ok(Upload {
        payload,
        declared,
        sent: 0,
        limit,
        fault: Rc::new(Cell::new(None)),
    })
}
