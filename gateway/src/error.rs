//! What can go wrong at the gateway, classified by where it came from (the caller, an upstream service,
//! Redis, or ourselves), and how each outcome maps onto the shared error envelope.

use shared::error::{ApiError, ErrorCode, JWT_TOKEN_ERROR, NOT_LOGGED_IN};

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
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("request body unreadable: {0}")]
    BadBody(String),
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
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<GatewayError> for ApiError {
    fn from(err: GatewayError) -> Self {
        match err {
            GatewayError::NotLoggedIn => ApiError::unauthorized(NOT_LOGGED_IN),
            GatewayError::BadCredentials(reason) => ApiError::unauthorized(JWT_TOKEN_ERROR)
                .with_details(serde_json::json!({ "reason": reason })),
            GatewayError::Forbidden(message) => ApiError::forbidden(message),
            GatewayError::AccountInactive => ApiError::account_inactive(),
            GatewayError::NotFound => ApiError::not_found("Route not found"),
            GatewayError::PayloadTooLarge => {
                ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large")
            }
            GatewayError::BadBody(message) => ApiError::invalid_field("body", message),
            GatewayError::AuthUnavailable => ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Authentication is temporarily unavailable, please retry shortly",
            ),
            GatewayError::UpstreamUnreachable { service, source } => {
                tracing::error!(upstream = service, error = %format!("{source:#}"), "upstream unreachable");
                ApiError::new(
                    ErrorCode::BadGateway,
                    format!("The {service} service is unavailable"),
                )
            }
            GatewayError::UpstreamTimeout { service } => {
                tracing::error!(upstream = service, "upstream timed out");
                ApiError::new(
                    ErrorCode::GatewayTimeout,
                    format!("The {service} service did not answer in time"),
                )
            }
            GatewayError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "unexpected gateway failure");
                ApiError::internal()
            }
        }
    }
}
