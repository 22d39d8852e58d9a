//! progress-service's error enum and its mapping onto the shared envelope.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use shared::error::{ApiError, ErrorCode, FieldError};

use crate::courses::CourseServiceError;

/// Every way a progress-service request can fail, named by outcome.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// course-service, which knows lectures and enrolments, did not answer.
    #[error("course-service unavailable")]
    CourseServiceUnavailable(#[source] CourseServiceError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ProgressError {
    /// A 400 about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn to_api(&self) -> ApiError {
        match self {
            Self::Validation(errors) => ApiError::validation(errors.clone()),
            Self::Forbidden(message) => ApiError::forbidden(*message),
            Self::NotFound(message) => ApiError::not_found(*message),
            Self::CourseServiceUnavailable(_) => ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Course information is unavailable, try again shortly",
            ),
            Self::Api(api) => api.clone(),
            Self::Unexpected(_) => ApiError::internal(),
        }
    }
}

impl From<mongodb::error::Error> for ProgressError {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Unexpected(anyhow::Error::from(e).context("database operation failed"))
    }
}

impl From<CourseServiceError> for ProgressError {
    fn from(e: CourseServiceError) -> Self {
        Self::CourseServiceUnavailable(e)
    }
}

impl ResponseError for ProgressError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_api().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // Logged once here, with the request id from the span; never sent to the client.
            Self::Unexpected(cause) => {
                tracing::error!(error.cause = ?cause, "request failed with an unexpected error");
            }
            Self::CourseServiceUnavailable(cause) => {
                tracing::warn!(error.cause = %cause, "course-service did not answer");
            }
            _ => {}
        }
        self.to_api().error_response()
    }
}

pub type ProgressResult<T> = Result<T, ProgressError>;
