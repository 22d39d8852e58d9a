//! payment-service's error enum and its mapping onto the shared envelope.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use shared::error::{ApiError, ErrorCode, FieldError};

/// Every way a payment-service request can fail, named by outcome.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A service we depend on (course-service, Stripe) failed; the cause is logged, never sent.
    #[error("upstream failure: {0:#}")]
    Upstream(anyhow::Error),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl PaymentError {
    /// A 400 about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn to_api(&self) -> ApiError {
        match self {
            Self::Validation(errors) => ApiError::validation(errors.clone()),
            Self::Forbidden(message) => ApiError::forbidden(*message),
            Self::NotFound(message) => ApiError::not_found(*message),
            Self::Conflict(message) => ApiError::conflict(*message),
            Self::Upstream(_) => ApiError::new(
                ErrorCode::BadGateway,
                "A service this request depends on did not answer properly",
            ),
            Self::Api(api) => api.clone(),
            Self::Unexpected(_) => ApiError::internal(),
        }
    }
}

impl From<mongodb::error::Error> for PaymentError {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Unexpected(anyhow::Error::from(e).context("database operation failed"))
    }
}

impl ResponseError for PaymentError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_api().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // Logged once here, with the request id from the span; never sent to the client.
            Self::Unexpected(cause) => {
                tracing::error!(error.cause = ?cause, "request failed with an unexpected error")
            }
            Self::Upstream(cause) => {
                tracing::error!(error.cause = %format_args!("{cause:#}"), "a dependency failed")
            }
            _ => {}
        }
        self.to_api().error_response()
    }
}

pub type PaymentResult<T> = Result<T, PaymentError>;
