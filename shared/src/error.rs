//! The error envelope every service sends (`api.md` §1) and the table from error code to HTTP status.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Machine-readable error codes; each one has exactly one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    Unauthorized,
    Forbidden,
    /// 403 for a deactivated account: callers (the gateway) tell it from other refusals by this code.
    AccountInactive,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    InternalError,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
}

impl ErrorCode {
    /// The HTTP status code for this error code.
    pub fn status(self) -> u16 {
        match self {
            Self::ValidationError => 400,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::AccountInactive => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::InternalError => 500,
            Self::BadGateway => 502,
            Self::ServiceUnavailable => 503,
            Self::GatewayTimeout => 504,
        }
    }

    /// The code as it appears in the `error` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationError => "VALIDATION_ERROR",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::AccountInactive => "ACCOUNT_INACTIVE",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::BadGateway => "BAD_GATEWAY",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::GatewayTimeout => "GATEWAY_TIMEOUT",
        }
    }

    /// RFC 9457 `title` for problem-details responses.
    pub fn title(self) -> &'static str {
        match self {
            Self::ValidationError => "Validation failed",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::AccountInactive => "Account inactive",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::RateLimited => "Too many requests",
            Self::InternalError => "Internal server error",
            Self::BadGateway => "Bad gateway",
            Self::ServiceUnavailable => "Service unavailable",
            Self::GatewayTimeout => "Gateway timeout",
        }
    }
}

/// One field-level validation problem (the seed's `errors` list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error ready to be sent to a client: code, safe message, optional details and field errors.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Boxed so `Result<_, ApiError>` stays small on the happy path.
    pub details: Option<Box<Value>>,
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            errors: Vec::new(),
        }
    }

    /// A 400 with the seed's `errors` list.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => "Invalid request data".to_owned(),
        };
        Self {
            code: ErrorCode::ValidationError,
            message,
            details: None,
            errors,
        }
    }

    /// A 400 about one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// The 403 for a deactivated account (`ACCOUNT_INACTIVE`, the seed's message).
    pub fn account_inactive() -> Self {
        Self::new(ErrorCode::AccountInactive, ACCOUNT_INACTIVE_MESSAGE)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// A 500 whose message never carries the cause.
    pub fn internal() -> Self {
        Self::new(ErrorCode::InternalError, "Internal server error")
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The envelope body: `{ success, status, error, message, details?, errors?, requestId }`.
    pub fn body(&self, request_id: Option<&str>) -> ErrorBody {
        ErrorBody {
            success: false,
            status: if self.status() >= 500 {
                "error"
            } else {
                "fail"
            }
            .to_owned(),
            error: self.code,
            message: self.message.clone(),
            details: self.details.as_deref().cloned(),
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
            request_id: request_id.map(str::to_owned),
        }
    }

    /// The RFC 9457 problem-details body carrying the same facts.
    pub fn problem(&self, request_id: Option<&str>) -> Value {
        let mut problem = serde_json::json!({
            "type": "about:blank",
            "title": self.code.title(),
            "status": self.status(),
            "detail": self.message,
            "error": self.code,
        });
        if let Some(map) = problem.as_object_mut() {
            if let Some(details) = &self.details {
                map.insert("details".into(), details.as_ref().clone());
            }
            if !self.errors.is_empty() {
                map.insert("errors".into(), serde_json::json!(self.errors));
            }
            if let Some(id) = request_id {
                map.insert("requestId".into(), Value::String(id.to_owned()));
            }
        }
        problem
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// The JSON error envelope as it travels on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ErrorEnvelope))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// `fail` for 4xx, `error` for 5xx.
    #[cfg_attr(feature = "openapi", schema(example = "fail"))]
    pub status: String,
    pub error: ErrorCode,
    /// Human-readable; 5xx bodies say only "Internal server error".
    pub message: String,
    /// Optional extra facts (for a bad token: `{ "reason": ... }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = false))]
    pub details: Option<Value>,
    /// One entry per refused field (validation errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub errors: Option<Vec<FieldError>>,
    /// The `X-Request-Id` of the request, for support and the logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub request_id: Option<String>,
}

/// The seed's 401 message when no credentials were sent.
pub const NOT_LOGGED_IN: &str = "You are not logged in";
/// The seed's 401 message for a bad, expired, revoked or tampered token.
pub const JWT_TOKEN_ERROR: &str = "JWT token error";
/// The seed's 403 message for a deactivated account (code `ACCOUNT_INACTIVE`).
pub const ACCOUNT_INACTIVE_MESSAGE: &str = "Account is inactive";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_say_fail_and_server_errors_say_error() {
        let body = ApiError::not_found("nope").body(Some("r1"));
        assert_eq!(body.status, "fail");
        let body = ApiError::internal().body(None);
        assert_eq!(body.status, "error");
        assert_eq!(body.message, "Internal server error");
    }

    #[test]
    fn validation_errors_carry_the_seed_errors_list() {
        let err = ApiError::validation(vec![
            FieldError::new("name", "too short"),
            FieldError::new("email", "bad"),
        ]);
        let json = serde_json::to_value(err.body(Some("abc"))).unwrap();
        assert_eq!(json["error"], "VALIDATION_ERROR");
        assert_eq!(json["errors"][1]["field"], "email");
        assert_eq!(json["requestId"], "abc");
        assert_eq!(json["success"], false);
    }

    #[test]
    fn every_code_maps_to_its_status() {
        let table = [
            (ErrorCode::ValidationError, 400),
            (ErrorCode::Unauthorized, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::AccountInactive, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::PayloadTooLarge, 413),
            (ErrorCode::UnsupportedMediaType, 415),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::InternalError, 500),
            (ErrorCode::BadGateway, 502),
            (ErrorCode::ServiceUnavailable, 503),
            (ErrorCode::GatewayTimeout, 504),
        ];
        for (code, status) in table {
            assert_eq!(code.status(), status);
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn problem_details_carry_the_same_facts() {
        let err = ApiError::invalid_field("email", "Please provide a valid email");
        let problem = err.problem(Some("rid"));
        assert_eq!(problem["status"], 400);
        assert_eq!(problem["detail"], "Please provide a valid email");
        assert_eq!(problem["errors"][0]["field"], "email");
        assert_eq!(problem["requestId"], "rid");
    }
}
