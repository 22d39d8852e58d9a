//! Request bodies on their way to a service: small ones (JSON, the webhook) read whole within their limit
//! so a 413 comes before any service is bothered; uploads streamed through a bounded channel, never held
//! whole, and cut off (413) the moment they pass their limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::HttpRequest;
use actix_web::web::{Bytes, Payload};
use futures_util::StreamExt;

use crate::error::GatewayError;

/// A body ready to send.
pub enum Outgoing {
    Empty,
    /// Read whole; can be sent again (a retry).
    Bytes(Bytes),
    /// Streamed; `too_large` turns true if the client sent more than allowed.
    Stream {
        body: reqwest::Body,
        too_large: Arc<AtomicBool>,
    },
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
) -> Result<Outgoing, GatewayError> {
    if !has_body(req) {
        return Ok(Outgoing::Empty);
    }
    if declared_length(req).is_some_and(|n| n > limit as u64) {
        return Err(GatewayError::PayloadTooLarge);
    }
    let bytes = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| GatewayError::PayloadTooLarge)?
        .map_err(|e| GatewayError::BadBody(format!("Could not read the request body: {e}")))?;
    Ok(Outgoing::Bytes(bytes))
}

/// Streams the body through to the service, counting bytes against `limit`.
pub fn stream(
    req: &HttpRequest,
    mut payload: Payload,
    limit: u64,
) -> Result<Outgoing, GatewayError> {
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(GatewayError::PayloadTooLarge);
    }
    // actix's payload lives on this worker thread; reqwest wants a `Send` stream, so a local task pumps
    // chunks into a small channel (which also bounds how much is buffered: 8 chunks).
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let too_large = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&too_large);
    actix_web::rt::spawn(async move {
        let mut sent: u64 = 0;
        while let Some(chunk) = payload.next().await {
            let item = match chunk {
                Ok(bytes) => {
                    sent += bytes.len() as u64;
                    if sent > limit {
                        flag.store(true, Ordering::Release);
                        Err(std::io::Error::other("request body over the limit"))
                    } else {
                        Ok(bytes)
                    }
                }
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                return;
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(Outgoing::Stream {
        body: reqwest::Body::wrap_stream(chunks),
        too_large,
    })
}
