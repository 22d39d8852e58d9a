//! auth-service's errors: the common cases of `shared::service_error`, plus the credential cases only the
//! service that checks credentials has.

use shared::error::{ApiError, JWT_TOKEN_ERROR, NOT_LOGGED_IN};
use shared::service_error::{ServiceCase, ServiceError};

/// Every way an auth-service request can fail, named by outcome.
pub type AuthError = ServiceError<AuthCase>;

/// The cases only auth-service has.
#[derive(Debug, thiserror::Error)]
pub enum AuthCase {
    #[error("no credentials")]
    NotLoggedIn,
    /// A bad, expired, revoked or tampered token; the reason goes into `details`.
    #[error("bad token: {0}")]
    BadToken(&'static str),
    /// The account is deactivated (`ACCOUNT_INACTIVE`, 403).
    #[error("account inactive")]
    AccountInactive,
}

impl ServiceCase for AuthCase {
    fn to_api(&self) -> ApiError {
        match self {
            Self::NotLoggedIn => ApiError::unauthorized(NOT_LOGGED_IN),
            Self::BadToken(reason) => ApiError::unauthorized(JWT_TOKEN_ERROR)
                .with_details(serde_json::json!({ "reason": reason })),
            Self::AccountInactive => ApiError::account_inactive(),
        }
    }
}

impl From<AuthCase> for AuthError {
    fn from(case: AuthCase) -> Self {
        Self::Own(case)
    }
}

pub use shared::stores::is_duplicate_key;

pub type AuthResult<T> = Result<T, AuthError>;
