//! Who is calling a service: the access token (bearer header or cookie `token`) verified with the
//! service's own [`Verifier`] (defence in depth behind the gateway) and, when the app registers a
//! `web::Data<RevocationReader>`, checked against revocation too.
//!
//! The handlers' app must register the verifier as `web::Data<Verifier>`. [`Principal`] is required (401
//! without credentials). [`MaybePrincipal`] lets anonymous callers through, with the gateway's rule for bad
//! credentials: a bad bearer token or an API key (which only the gateway can resolve) is 401 `JWT token
//! error` on every route, so a client holding an expired token learns to refresh instead of silently
//! seeing the anonymous view; a bad `token` *cookie* gets the anonymous answer and a `Set-Cookie` that
//! clears it (added by `shared::http::request_context`), since the browser cannot drop an HttpOnly cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::claims::{AccessClaims, Role};
use crate::credentials::Presented;
use crate::error::{ApiError, ErrorCode, JWT_TOKEN_ERROR, NOT_LOGGED_IN};
use crate::http::ClearAccessCookie;
use crate::jwks::Verifier;

pub use crate::credentials::ACCESS_COOKIE;

/// A caller whose access token verified.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User id (ObjectId hex), the token's `sub`.
    pub user_id: String,
    pub role: Role,
    pub claims: AccessClaims,
}

impl Principal {
    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require_role(&self, roles: &[Role], message: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(message))
        }
    }
}

/// The caller if credentials were sent; `None` for anonymous callers.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

/// The token on a request, read in the one credential order (`shared::credentials`). Services take no
/// API keys (the gateway exchanges them for tokens), so one presented here fails verification like any
/// other bad token.
pub fn access_token(req: &HttpRequest) -> Option<String> {
    match Presented::from_request(req) {
        Presented::None => None,
        Presented::ApiKey(t) | Presented::Bearer(t) | Presented::Cookie(t) => Some(t),
    }
}

/// Verifies `token` and builds the principal.
pub async fn authenticate(verifier: &Verifier, token: &str) -> Result<Principal, ApiError> {
    let claims = verifier.verify(token).await.map_err(ApiError::from)?;
    Ok(Principal {
        user_id: claims.sub.clone(),
        role: claims.role,
        claims,
    })
}

/// How long the revocation lookup may take before the request is refused with 503.
#[cfg(feature = "redis")]
const REVOCATION_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// 401 `JWT token error` when the token is revoked; 503 when that cannot be known.
#[cfg(feature = "redis")]
async fn check_revocation(
    reader: &crate::revocation::RevocationReader,
    claims: &AccessClaims,
) -> Result<(), ApiError> {
    let lookup = reader.is_revoked(&claims.jti, &claims.sub, claims.iat);
    match tokio::time::timeout(REVOCATION_TIMEOUT, lookup).await {
        Ok(Ok(false)) => Ok(()),
        Ok(Ok(true)) => Err(bad_credentials("revoked")),
        Ok(Err(error)) => {
            tracing::warn!(%error, "revocation state unavailable");
            Err(revocation_unavailable())
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = REVOCATION_TIMEOUT.as_millis(),
                "revocation lookup timed out"
            );
            Err(revocation_unavailable())
        }
    }
}

#[cfg(feature = "redis")]
fn revocation_unavailable() -> ApiError {
    ApiError::new(
        ErrorCode::ServiceUnavailable,
        "Token revocation state is unavailable",
    )
}

fn bad_credentials(reason: &str) -> ApiError {
    ApiError::unauthorized(JWT_TOKEN_ERROR).with_details(serde_json::json!({ "reason": reason }))
}

type PrincipalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn verifier(req: &HttpRequest) -> Result<Verifier, ApiError> {
    req.app_data::<web::Data<Verifier>>()
        .map(|v| v.get_ref().clone())
        .ok_or_else(|| {
            tracing::error!("no web::Data<Verifier> registered: every request is refused");
            ApiError::internal()
        })
}

/// Identifies the caller; `Err((error, from_cookie))` when credentials were sent and refused.
fn identify(
    req: &HttpRequest,
) -> impl Future<Output = Result<Option<Principal>, (ApiError, bool)>> + use<> {
    let presented = Presented::from_request(req);
    let verifier = verifier(req);
    #[cfg(feature = "redis")]
    let revocations = req
        .app_data::<web::Data<crate::revocation::RevocationReader>>()
        .cloned();
    async move {
        let (token, from_cookie) = match presented {
            Presented::None => return Ok(None),
            // Only the gateway resolves API keys.
            Presented::ApiKey(_) => return Err((bad_credentials("api_key_not_accepted"), false)),
            Presented::Bearer(t) => (t, false),
            Presented::Cookie(t) => (t, true),
        };
        let verifier = verifier.map_err(|e| (e, false))?;
        let principal = authenticate(&verifier, &token)
            .await
            .map_err(|e| (e, from_cookie))?;
        #[cfg(feature = "redis")]
        if let Some(revocations) = revocations {
            check_revocation(&revocations, &principal.claims)
                .await
                .map_err(|e| (e, from_cookie))?;
        }
        Ok(Some(principal))
    }
}

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = PrincipalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let identified = identify(req);
        let req = req.clone();
        Box::pin(async move {
            match identified.await {
                Ok(principal) => Ok(Self(principal)),
                // A bad cookie: anonymous, and the response clears it. A cookie that cannot be judged right
                // now (503) is not bad: the error stands.
                Err((e, true)) if e.code == ErrorCode::Unauthorized => {
                    req.extensions_mut().insert(ClearAccessCookie);
                    Ok(Self(None))
                }
                Err((e, _)) => Err(e),
            }
        })
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = PrincipalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let identified = identify(req);
        Box::pin(async move {
            identified
                .await
                .map_err(|(e, _)| e)?
                .ok_or_else(|| ApiError::unauthorized(NOT_LOGGED_IN))
        })
    }
}
