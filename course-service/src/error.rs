//! course-service's error enum and its mapping onto the shared envelope.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use shared::error::{ApiError, FieldError};

/// Every way a course-service request can fail, named by outcome.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl CourseError {
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
            Self::Api(api) => api.clone(),
            Self::Unexpected(_) => ApiError::internal(),
        }
    }
}

impl From<mongodb::error::Error> for CourseError {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Unexpected(anyhow::Error::from(e).context("database operation failed"))
    }
}

impl From<shared::media::MediaError> for CourseError {
    fn from(e: shared::media::MediaError) -> Self {
        Self::Api(e.into())
    }
}

impl ResponseError for CourseError {
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

pub type CourseResult<T> = Result<T, CourseError>;
