//! course-service's errors: the common cases of `shared::service_error` are all it has.

pub use shared::service_error::ServiceError;

/// Every way a course-service request can fail, named by outcome.
pub type CourseError = ServiceError;

pub type CourseResult<T> = Result<T, CourseError>;
