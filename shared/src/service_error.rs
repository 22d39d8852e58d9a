//! The failures every service shares, mapped once onto the envelope: a service's error type is
//! `ServiceError<ItsOwnCases>`, so a handler writes `CourseError::NotFound("Course not found")` and only a
//! case no other service has (auth's bad token, progress's missing course-service) is written in the
//! service, as a `ServiceCase`.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use crate::error::{ApiError, ErrorCode, FieldError};

/// Every way a request can fail that more than one service has, named by outcome, plus `Own` for the
/// cases of one service (`O`, none by default).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError<O: ServiceCase = NoOwnCases> {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// A 400 about the request as a whole rather than one field.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A service we depend on (another service, Stripe) failed; the cause is logged, never sent (502).
    #[error("upstream failure: {0:#}")]
    Upstream(anyhow::Error),
    /// An envelope built elsewhere (an extractor, the media store), sent as it is.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Our own bug or a store failure: logged with its chain, sent as a bare 500.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
    /// A case only this service has.
    #[error(transparent)]
    Own(O),
}

/// The cases one service adds to the common ones: each says what the client sees, and may log.
pub trait ServiceCase: std::error::Error + Send + Sync + 'static {
    /// The envelope sent for this case.
    fn to_api(&self) -> ApiError;
    /// Logged once where the response is built; nothing by default.
    fn log(&self) {}
}

/// The own cases of a service that has none.
#[derive(Debug, thiserror::Error)]
pub enum NoOwnCases {}

impl ServiceCase for NoOwnCases {
    fn to_api(&self) -> ApiError {
        match *self {}
    }
}

impl<O: ServiceCase> ServiceError<O> {
    /// A 400 about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The envelope the client is sent: a code and a safe message, never a cause.
    pub fn to_api(&self) -> ApiError {
        match self {
            Self::Validation(errors) => ApiError::validation(errors.clone()),
            Self::BadRequest(message) => ApiError::new(ErrorCode::ValidationError, *message),
            Self::Unauthorized(message) => ApiError::unauthorized(*message),
            Self::Forbidden(message) => ApiError::forbidden(*message),
            Self::NotFound(message) => ApiError::not_found(*message),
            Self::Conflict(message) => ApiError::conflict(*message),
            Self::Upstream(_) => ApiError::new(
                ErrorCode::BadGateway,
                "A service this request depends on did not answer properly",
            ),
            Self::Api(api) => api.clone(),
            Self::Unexpected(_) => ApiError::internal(),
            Self::Own(case) => case.to_api(),
        }
    }
}

#[cfg(feature = "mongo")]
impl<O: ServiceCase> From<mongodb::error::Error> for ServiceError<O> {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Unexpected(anyhow::Error::from(e).context("database operation failed"))
    }
}

#[cfg(feature = "media")]
impl<O: ServiceCase> From<crate::media::MediaError> for ServiceError<O> {
    fn from(e: crate::media::MediaError) -> Self {
        Self::Api(e.into())
    }
}

impl<O: ServiceCase> ResponseError for ServiceError<O> {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_api().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        // Logged once here, with the request id from the span; the cause is never sent to the client.
        match self {
            Self::Unexpected(cause) => {
                tracing::error!(error.cause = ?cause, "request failed with an unexpected error");
            }
            Self::Upstream(cause) => {
                tracing::error!(error.cause = %format_args!("{cause:#}"), "a dependency failed");
            }
            Self::Own(case) => case.log(),
            _ => {}
        }
        self.to_api().error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the moon is down")]
    struct MoonDown;

    impl ServiceCase for MoonDown {
        fn to_api(&self) -> ApiError {
            ApiError::new(ErrorCode::ServiceUnavailable, "Try again at moonrise")
        }
    }

    #[test]
    fn common_cases_map_to_their_codes_and_never_send_a_cause() {
        let cases: [(ServiceError, u16, &str); 6] = [
            (
                ServiceError::field("title", "Title is required"),
                400,
                "Title is required",
            ),
            (
                ServiceError::BadRequest("Nothing to change"),
                400,
                "Nothing to change",
            ),
            (ServiceError::Forbidden("Not yours"), 403, "Not yours"),
            (
                ServiceError::Conflict("Already there"),
                409,
                "Already there",
            ),
            (
                ServiceError::Upstream(anyhow::anyhow!("secret upstream detail")),
                502,
                "A service this request depends on did not answer properly",
            ),
            (
                ServiceError::Unexpected(anyhow::anyhow!("secret stack detail")),
                500,
                "Internal server error",
            ),
        ];
        for (error, status, message) in cases {
            assert_eq!(error.status_code().as_u16(), status, "{error}");
            assert_eq!(error.to_api().message, message);
        }
    }

    #[test]
    fn a_service_s_own_case_answers_with_its_own_envelope() {
        let error: ServiceError<MoonDown> = ServiceError::Own(MoonDown);
        assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error.to_api().message, "Try again at moonrise");
        assert_eq!(error.to_string(), "the moon is down");
    }
}
