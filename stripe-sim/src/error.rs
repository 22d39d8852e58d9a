//! Stripe's error responses: `{"error": {"type", "message", "code"?, "param"?}}` with Stripe's statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use std::fmt;

/// An API failure answered in Stripe's error shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    code: Option<&'static str>,
    param: Option<String>,
    message: String,
}

impl ApiError {
    /// 400 `invalid_request_error` about one parameter.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        let param = param.into();
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            code: Some("parameter_invalid"),
            param: (!param.is_empty()).then_some(param),
            message: message.into(),
        }
    }

    /// 400 `parameter_unknown`: a parameter the endpoint does not have (`param` in bracket form).
    pub fn unknown_parameter(param: &str) -> Self {
        Self {
            code: Some("parameter_unknown"),
            ..Self::invalid(param, format!("Received unknown parameter: {param}"))
        }
    }

    /// 400 for a required parameter that is absent.
    pub fn missing(param: &str) -> Self {
        Self {
            code: Some("parameter_missing"),
            ..Self::invalid(param, format!("Missing required param: {param}."))
        }
    }

    /// 400 for a state the object is not in (`Only Checkout Sessions with a status in ["open"] ...`).
    pub fn state(message: impl Into<String>) -> Self {
        Self {
            code: None,
            param: None,
            ..Self::invalid("", message)
        }
    }

    /// 400 with an explicit Stripe error code (`charge_already_refunded`, `amount_too_large`).
    pub fn coded(code: &'static str, param: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            param: param.map(str::to_owned),
            ..Self::invalid("", message)
        }
    }

    /// `resource_missing`: 404 for the object in the path, 400 for an id given as a parameter.
    pub fn no_such(object: &str, id: &str, param: Option<&str>) -> Self {
        Self {
            status: if param.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::NOT_FOUND
            },
            code: Some("resource_missing"),
            param: param.map(str::to_owned),
            ..Self::invalid("", format!("No such {object}: '{id}'"))
        }
    }

    /// 401 for a missing or wrong secret key (no `code`, as Stripe answers).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: None,
            param: None,
            ..Self::invalid("", message)
        }
    }

    /// 400 `idempotency_error`: a key reused with other parameters or on another endpoint.
    pub fn idempotency(message: impl Into<String>) -> Self {
        Self {
            kind: "idempotency_error",
            code: None,
            param: None,
            ..Self::invalid("", message)
        }
    }

    /// 404 for a path Stripe does not have.
    pub fn unknown_route(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: None,
            param: None,
            ..Self::invalid(
                "",
                format!(
                    "Unrecognized request URL ({method}: {path}). The simulator implements only what payment-service calls."
                ),
            )
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body, as Stripe sends it.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "type": self.kind, "message": self.message });
        if let Some(code) = self.code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            ));
        }
        if let Some(param) = &self.param {
            error["param"] = json!(param);
        }
        json!({ "error": error })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.kind,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body())
    }
}

impl std::error::Error for ApiError {}
