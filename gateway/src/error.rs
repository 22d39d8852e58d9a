//! What can go wrong at the gateway, classified by where it came from (after Pingora's `ErrorSource`):
//! the client (downstream), a service or store the gateway depends on (upstream), or the gateway itself
//! (internal). Each error maps once onto a status in the shared envelope and once onto a log level
//! ([`GatewayError::log`]), so a client that breaks off an upload is not reported as a broken service,
//! and our own misconfiguration is not blamed on one.

use actix_web::{HttpResponse, ResponseError};
use shared::error::{ApiError, ErrorCode, JWT_TOKEN_ERROR, NOT_LOGGED_IN};

use crate::rate_limit::{Decision, apply_headers};

/// Where an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The client: its credentials, its request, its connection. 4xx; logged at debug at most.
    Downstream,
    /// A service or store the gateway depends on. 502/503/504; logged as an error (503 where the cause
    /// was already reported).
    Upstream,
    /// The gateway itself: a misconfiguration or a bug. 500; logged as an error.
    Internal,
}

/// A request the gateway answers itself instead of forwarding.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no credentials")]
    NotLoggedIn,
    /// A bad, expired, revoked or tampered token or API key; the reason goes into `details`.
    #[error("credentials refused: {0}")]
    BadCredentials(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The account behind the credentials is deactivated (`ACCOUNT_INACTIVE`).
    #[error("account inactive")]
    AccountInactive,
    #[error("route not found")]
    NotFound,
    /// A documented path asked with a method it does not have; the `Allow` value it does have.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("request body unreadable: {0}")]
    BadBody(String),
    /// The client broke off its request (an upload cut short, a connection closed mid-body). Nobody is
    /// left to read the answer; it is a 400 in the access log, not a service failure.
    #[error("the client broke off the request")]
    ClientAborted,
    /// Over a budget: 429 with the budget's headers.
    #[error("rate limited")]
    RateLimited(Decision),
    /// The revocation state or the signing keys could not be read, so a token cannot be judged.
    #[error("authentication state unavailable")]
    AuthUnavailable,
    /// The service could not be reached (connection refused, reset, DNS).
    #[error("{service} unreachable: {source}")]
    UpstreamUnreachable {
        service: &'static str,
        source: anyhow::Error,
    },
    #[error("{service} did not answer in time")]
    UpstreamTimeout { service: &'static str },
    /// Our own fault: auth-service refusing the gateway's service token, a request the gateway built
    /// wrongly.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl GatewayError {
    /// Where the error came from.
    pub fn source(&self) -> ErrorSource {
        match self {
            Self::NotLoggedIn
            | Self::BadCredentials(_)
            | Self::Forbidden(_)
            | Self::AccountInactive
            | Self::NotFound
            | Self::MethodNotAllowed(_)
            | Self::PayloadTooLarge
            | Self::BadBody(_)
            | Self::ClientAborted
            | Self::RateLimited(_) => ErrorSource::Downstream,
            Self::AuthUnavailable
            | Self::UpstreamUnreachable { .. }
            | Self::UpstreamTimeout { .. } => ErrorSource::Upstream,
            Self::Internal(_) => ErrorSource::Internal,
        }
    }

    /// The error's one log line, at the level its source calls for. Ordinary refusals (credentials,
    /// limits, bodies) are not logged: the access line records them.
    pub fn log(&self) {
        match self {
            Self::ClientAborted => tracing::debug!("the client broke off the request"),
            Self::BadBody(reason) => tracing::debug!(%reason, "unreadable request"),
            Self::NotLoggedIn
            | Self::BadCredentials(_)
            | Self::Forbidden(_)
            | Self::AccountInactive
            | Self::NotFound
            | Self::MethodNotAllowed(_)
            | Self::PayloadTooLarge
            | Self::RateLimited(_) => {}
            // The revocation lookup and the JWKS fetch warn about the cause where it happens.
            Self::AuthUnavailable => {}
            Self::UpstreamUnreachable { service, source } => {
                tracing::error!(upstream = service, error = %format!("{source:#}"), "upstream unreachable");
            }
            Self::UpstreamTimeout { service } => {
                tracing::error!(upstream = service, "upstream timed out");
            }
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "gateway failure");
            }
        }
    }

    /// The answer to the client (not logged: see [`Self::log`]).
    pub fn response(&self) -> HttpResponse {
        let mut res = self.api_error().error_response();
        if let Self::RateLimited(decision) = self {
            apply_headers(res.headers_mut(), decision);
        }
        if let Self::MethodNotAllowed(allow) = self
            && let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow)
        {
            res.headers_mut()
                .insert(actix_web::http::header::ALLOW, value);
        }
        res
    }

    /// The error in the shared envelope.
    fn api_error(&self) -> ApiError {
        match self {
            GatewayError::NotLoggedIn => ApiError::unauthorized(NOT_LOGGED_IN),
            GatewayError::BadCredentials(reason) => ApiError::unauthorized(JWT_TOKEN_ERROR)
                .with_details(serde_json::json!({ "reason": reason })),
            GatewayError::Forbidden(message) => ApiError::forbidden(*message),
            GatewayError::AccountInactive => ApiError::account_inactive(),
            GatewayError::NotFound => ApiError::not_found("Route not found"),
            GatewayError::MethodNotAllowed(_) => {
                ApiError::new(ErrorCode::MethodNotAllowed, "Method not allowed")
            }
            GatewayError::PayloadTooLarge => {
                ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large")
            }
            GatewayError::BadBody(message) => ApiError::invalid_field("body", message.clone()),
            GatewayError::ClientAborted => {
                ApiError::invalid_field("body", "The request body was not received in full")
            }
            GatewayError::RateLimited(_) => ApiError::new(
                ErrorCode::RateLimited,
                "Too many requests, please try again later",
            ),
            GatewayError::AuthUnavailable => ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Authentication is temporarily unavailable, please retry shortly",
            ),
            GatewayError::UpstreamUnreachable { service, .. } => ApiError::new(
                ErrorCode::BadGateway,
                format!("The {service} service is unavailable"),
            ),
            GatewayError::UpstreamTimeout { service } => ApiError::new(
                ErrorCode::GatewayTimeout,
                format!("The {service} service did not answer in time"),
            ),
            GatewayError::Internal(_) => ApiError::internal(),
        }
    }
}

impl From<GatewayError> for ApiError {
    fn from(err: GatewayError) -> Self {
        err.api_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(err: GatewayError) -> u16 {
        ApiError::from(err).status()
    }

    #[test]
    fn each_source_has_its_range_of_statuses() {
        let downstream = [
            GatewayError::NotLoggedIn,
            GatewayError::BadCredentials("expired"),
            GatewayError::NotFound,
            GatewayError::PayloadTooLarge,
            GatewayError::ClientAborted,
        ];
        for err in downstream {
            assert_eq!(err.source(), ErrorSource::Downstream, "{err}");
            assert!((400..500).contains(&status(err)));
        }
        let upstream = [
            (
                GatewayError::UpstreamUnreachable {
                    service: "auth",
                    source: anyhow::anyhow!("refused"),
                },
                502,
            ),
            (GatewayError::UpstreamTimeout { service: "auth" }, 504),
            (GatewayError::AuthUnavailable, 503),
        ];
        for (err, code) in upstream {
            assert_eq!(err.source(), ErrorSource::Upstream, "{err}");
            assert_eq!(status(err), code);
        }
        let ours = GatewayError::Internal(anyhow::anyhow!("service token refused"));
        assert_eq!(ours.source(), ErrorSource::Internal);
        assert_eq!(status(ours), 500);
    }
}
