//! Who is calling a service: the access token (bearer header or cookie `token`) verified with the
//! service's own [`Verifier`] (defence in depth behind the gateway). Revocation is the gateway's job.
//!
//! The handlers' app must register the verifier as `web::Data<Verifier>`. [`Principal`] is required (401
//! without credentials); [`MaybePrincipal`] lets anonymous callers through but still refuses a token that
//! is present and bad: a client holding an expired token learns to refresh instead of silently seeing the
//! anonymous view.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::claims::{AccessClaims, Role};
use crate::credentials::Presented;
use crate::error::{ApiError, NOT_LOGGED_IN};
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

type PrincipalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn verifier(req: &HttpRequest) -> Result<Verifier, ApiError> {
    req.app_data::<web::Data<Verifier>>()
        .map(|v| v.get_ref().clone())
        .ok_or_else(|| {
            tracing::error!("no web::Data<Verifier> registered: every request is refused");
            ApiError::internal()
        })
}

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = PrincipalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = access_token(req);
        let verifier = verifier(req);
        Box::pin(async move {
            match token {
                None => Ok(Self(None)),
                Some(token) => Ok(Self(Some(authenticate(&verifier?, &token).await?))),
            }
        })
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = PrincipalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let maybe = MaybePrincipal::from_request(req, payload);
        Box::pin(async move {
            maybe
                .await?
                .0
                .ok_or_else(|| ApiError::unauthorized(NOT_LOGGED_IN))
        })
    }
}
