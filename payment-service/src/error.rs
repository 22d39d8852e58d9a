//! payment-service's errors: the common cases of `shared::service_error` are all it has (`Upstream` for
//! course-service and Stripe).

pub use shared::service_error::ServiceError;

/// Every way a payment-service request can fail, named by outcome.
pub type PaymentError = ServiceError;

pub type PaymentResult<T> = Result<T, PaymentError>;
