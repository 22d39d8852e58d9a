//! auth-service's error enum and its mapping onto the shared envelope.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use shared::error::{ApiError, ErrorCode, FieldError, JWT_TOKEN_ERROR, NOT_LOGGED_IN};

/// Every way an auth-service request can fail, named by outcome.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("no credentials")]
    NotLoggedIn,
    #[error("bad token: {0}")]
    BadToken(&'static str),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The account is deactivated (`ACCOUNT_INACTIVE`, 403).
    #[error("account inactive")]
    AccountInactive,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AuthError {
    /// A 400 about one field.
    pub fn field(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn to_api(&self) -> ApiError {
        match self {
            Self::Validation(errors) => ApiError::validation(errors.clone()),
            Self::NotLoggedIn => ApiError::unauthorized(NOT_LOGGED_IN),
            Self::BadToken(reason) => ApiError::unauthorized(JWT_TOKEN_ERROR)
                .with_details(serde_json::json!({ "reason": reason })),
            Self::Unauthorized(message) => ApiError::unauthorized(*message),
            Self::Forbidden(message) => ApiError::forbidden(*message),
            Self::AccountInactive => ApiError::account_inactive(),
            Self::NotFound(message) => ApiError::not_found(*message),
            Self::Conflict(message) => ApiError::conflict(*message),
            Self::BadRequest(message) => ApiError::new(ErrorCode::ValidationError, *message),
            Self::Api(api) => api.clone(),
            Self::Unexpected(_) => ApiError::internal(),
        }
    }
}

impl From<mongodb::error::Error> for AuthError {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Unexpected(anyhow::Error::from(e).context("database operation failed"))
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_api().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unexpected(cause) = self {
            // Logged once here, with the request id from the span; never sent to the client.
            tracing::error!(error.cause = ?cause, "request failed with an unexpected error");
        }
        self.to_api().error_response()
    }
}

pub use shared::stores::is_duplicate_key;

pub type AuthResult<T> = Result<T, AuthError>;
