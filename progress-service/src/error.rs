//! progress-service's errors: the common cases of `shared::service_error`, plus course-service not
//! answering, which only this service turns into a 503 (it cannot compute progress without the lectures).

use shared::error::{ApiError, ErrorCode};
use shared::service_error::{ServiceCase, ServiceError};

use crate::courses::CourseServiceError;

/// Every way a progress-service request can fail, named by outcome.
pub type ProgressError = ServiceError<ProgressCase>;

/// The cases only progress-service has.
#[derive(Debug, thiserror::Error)]
pub enum ProgressCase {
    /// course-service, which knows lectures and enrolments, did not answer.
    #[error("course-service unavailable")]
    CourseServiceUnavailable(#[source] CourseServiceError),
}

impl ServiceCase for ProgressCase {
    fn to_api(&self) -> ApiError {
        match self {
            Self::CourseServiceUnavailable(_) => ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Course information is unavailable, try again shortly",
            ),
        }
    }

    fn log(&self) {
        match self {
            Self::CourseServiceUnavailable(cause) => {
                tracing::warn!(error.cause = %cause, "course-service did not answer");
            }
        }
    }
}

impl From<CourseServiceError> for ProgressError {
    fn from(e: CourseServiceError) -> Self {
        Self::Own(ProgressCase::CourseServiceUnavailable(e))
    }
}

pub type ProgressResult<T> = Result<T, ProgressError>;
