//! Error responses that mean the same on every route that declares them, because the code behind them is
//! shared (the id parsing, `shared::principal`'s extractors, the course-service client's timeout). A route
//! lists them among its own tuples, `responses((status = 200, ...), MalformedId, NotLoggedIn)`; answers
//! whose meaning depends on the route (who gets 403, what is not found) stay written at the route.
//! Every body is the one error envelope, `ErrorEnvelope` in the documents.

use utoipa::IntoResponses;

use crate::error::ErrorBody;

/// 400 for a path id that is not an ObjectId.
#[derive(IntoResponses)]
#[response(status = 400, description = "Malformed id")]
pub struct MalformedId(pub ErrorBody);

/// 401 from `Principal` in a service that leaves the revocation check to the gateway.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "Not logged in (\"You are not logged in\"), or a bad or expired token (\"JWT token error\")"
)]
pub struct NotLoggedIn(pub ErrorBody);

/// What a route behind a revocation-checked login answers before its handler runs (auth-service's
/// `CurrentUser`): one type, because the two answers always come together.
#[derive(IntoResponses)]
pub enum RevocationCheckedLogin {
    /// No token, or a bad, expired or revoked one.
    #[response(
        status = 401,
        description = "Not logged in (\"You are not logged in\"), or a bad, expired or revoked token (\"JWT token error\")"
    )]
    Refused(ErrorBody),
    /// Whether the token is revoked cannot be known (fail closed).
    #[response(
        status = 503,
        description = "Token revocation cannot be checked (Redis unreachable)"
    )]
    RevocationUnknown(ErrorBody),
}

/// 401 on a public route: anonymous callers pass, a credential that was sent must be good.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")"
)]
pub struct BadCredential(pub ErrorBody);

/// 503 when whether the token is revoked cannot be known (fail closed).
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "Token revocation cannot be checked (Redis unreachable)"
)]
pub struct RevocationUnavailable(pub ErrorBody);

/// 503 from a service that asks course-service and got no answer in time.
#[derive(IntoResponses)]
#[response(status = 503, description = "course-service did not answer")]
pub struct CourseServiceUnavailable(pub ErrorBody);

/// What `shared::http::json_config` answers for a JSON body it will not parse: one type, because every
/// route that takes JSON gets both (the limit is `JSON_LIMIT_BYTES`, 10 KB unless configured).
#[derive(IntoResponses)]
pub enum JsonBodyRefused {
    /// Over the limit.
    #[response(status = 413, description = "JSON body over the limit (10 KB)")]
    TooLarge(ErrorBody),
    /// Not `application/json`.
    #[response(
        status = 415,
        description = "Body is not JSON (`Content-Type` must be `application/json`)"
    )]
    NotJson(ErrorBody),
}
