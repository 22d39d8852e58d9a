//! certificate-service's errors: the common cases of `shared::service_error` are all it has (`Upstream`
//! for auth- and course-service).

pub use shared::service_error::ServiceError;

/// Every way a certificate-service request can fail, named by outcome.
pub type CertificateError = ServiceError;

pub type CertificateResult<T> = Result<T, CertificateError>;
