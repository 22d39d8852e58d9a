//! Who is calling: finds the credentials on a request (API key, bearer token or the `token` cookie),
//! verifies them (EdDSA against the JWKS, revocation, API keys through auth-service), and rotates an
//! expired cookie session silently when the browser still holds a valid refresh cookie.

mod api_keys;
mod auth_client;

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderValue;
use shared::claims::AccessClaims;
pub use shared::credentials::{ACCESS_COOKIE, API_KEY_HEADER, Presented, REFRESH_COOKIE};
use shared::jwks::{TokenError, Verifier};

pub use api_keys::{ApiKeyCache, KeyCacheSettings};
pub use auth_client::AuthClient;

use crate::error::GatewayError;
use crate::revocation::Revocations;
use crate::routing::Route;

/// The credentials of a request in the one order (`shared::credentials`), the `token` cookie read as the
/// client sent it: a decoded value is never what the client's cookie said (see `cookies`).
pub fn presented(req: &HttpRequest) -> Presented {
    let api_key = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok());
    Presented::choose(
        api_key,
        shared::http::bearer_token(req),
        crate::cookies::raw_value(req, ACCESS_COOKIE),
    )
}

/// Which credentials a request presented, once their values have gone to [`Authenticator::identify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    None,
    ApiKey,
    Bearer,
    Cookie,
}

impl CredentialKind {
    pub fn of(presented: &Presented) -> Self {
        match presented {
            Presented::None => Self::None,
            Presented::ApiKey(_) => Self::ApiKey,
            Presented::Bearer(_) => Self::Bearer,
            Presented::Cookie(_) => Self::Cookie,
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub claims: AccessClaims,
    /// The token forwarded to the service as `Authorization: Bearer`.
    pub token: String,
    /// The rate-limit identity: `user:<id>` or, for API keys, `key:<id>`.
    pub client_key: String,
}

impl Principal {
    fn new(claims: AccessClaims, token: String) -> Self {
        let client_key = match &claims.akid {
            Some(key_id) => ["key:", key_id].concat(),
            None => ["user:", &claims.sub].concat(),
        };
        Self {
            claims,
            token,
            client_key,
        }
    }
}

/// The result of identifying a request.
#[derive(Debug, Default)]
pub struct Identity {
    pub principal: Option<Principal>,
    /// Why the presented credentials were refused (the request is anonymous then).
    pub refused: Option<GatewayError>,
    /// `Set-Cookie` values of a silent refresh, for the response.
    pub set_cookies: Vec<HeaderValue>,
    /// The cookie session was rotated silently: the client's refresh cookie is spent.
    pub refreshed: bool,
}

impl Identity {
    /// Credentials were judged and found bad (not merely impossible to judge right now).
    pub fn judged_bad(&self) -> bool {
        matches!(
            self.refused,
            Some(GatewayError::BadCredentials(_) | GatewayError::AccountInactive)
        )
    }
}

/// What identification needs from the application state.
pub struct Authenticator<'a> {
    pub verifier: &'a Verifier,
    pub revocations: &'a Revocations,
    pub api_keys: &'a ApiKeyCache,
    pub auth: &'a AuthClient,
    pub fail_open: bool,
}

impl Authenticator<'_> {
    /// Identifies the caller of `req` (from `ip`) on `route`.
    pub async fn identify(
        &self,
        req: &HttpRequest,
        route: &Route,
        presented: Presented,
        ip: IpAddr,
    ) -> Identity {
        let kind = CredentialKind::of(&presented);
        // The token moves into the principal: it is not copied on its way to the service.
        let outcome = match presented {
            Presented::None => Err(GatewayError::NotLoggedIn),
            Presented::ApiKey(key) => self.api_keys.principal(&key, ip, self).await,
            Presented::Bearer(token) | Presented::Cookie(token) => self.verify(token).await,
        };
        let may_refresh = route.silent_refresh
            && matches!(
                (kind, &outcome),
                (CredentialKind::None, _)
                    | (
                        CredentialKind::Cookie,
                        Err(GatewayError::BadCredentials("expired"))
                    )
            );
        match outcome {
            Ok(principal) => Identity {
                principal: Some(principal),
                ..Identity::default()
            },
            Err(refused) => {
                if may_refresh
                    && let Some(refresh) = crate::cookies::raw_value(req, REFRESH_COOKIE)
                    && let Some(identity) = self.refresh(refresh).await
                {
                    return identity;
                }
                Identity {
                    refused: Some(refused),
                    ..Identity::default()
                }
            }
        }
    }

    /// The rule for bad credentials on the gateway's own public routes (its OpenAPI document, the platform
    /// health report): a bad bearer token or API key is refused, a bad cookie is to be cleared (`Ok(true)`).
    /// Credentials that cannot be judged right now do not stop a public route.
    pub async fn judge_on_public_route(
        &self,
        req: &HttpRequest,
        ip: IpAddr,
    ) -> Result<bool, GatewayError> {
        let presented = presented(req);
        let cookie = presented.is_cookie();
        let outcome = match presented {
            Presented::None => return Ok(false),
            Presented::ApiKey(key) => self.api_keys.principal(&key, ip, self).await.map(drop),
            Presented::Bearer(token) | Presented::Cookie(token) => {
                self.verify(token).await.map(drop)
            }
        };
        match outcome {
            Err(e @ (GatewayError::BadCredentials(_) | GatewayError::AccountInactive)) => {
                if cookie { Ok(true) } else { Err(e) }
            }
            // Over the lookup budget: the key was not judged, and the client must slow down.
            Err(e @ GatewayError::RateLimited(_)) => Err(e),
            _ => Ok(false),
        }
    }

    /// Signature, claims, then revocation.
    pub async fn verify(&self, token: String) -> Result<Principal, GatewayError> {
        let claims = self
            .verifier
            .verify(&token)
            .await
            .map_err(|e: TokenError| match e {
                // No key loaded yet is our problem, not a bad token: the client must not drop it.
                TokenError::KeysUnavailable => GatewayError::AuthUnavailable,
                other => GatewayError::BadCredentials(other.reason()),
            })?;
        self.check_revocation(&claims).await?;
        Ok(Principal::new(claims, token))
    }

    async fn check_revocation(&self, claims: &AccessClaims) -> Result<(), GatewayError> {
        match self.revocations.is_revoked(claims).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(GatewayError::BadCredentials("revoked")),
            Err(_) if self.fail_open => {
                tracing::warn!(
                    "revocation state unavailable; accepting the token (REVOCATION_FAIL_OPEN)"
                );
                Ok(())
            }
            Err(_) => Err(GatewayError::AuthUnavailable),
        }
    }

    /// Rotates the refresh session through auth-service; `None` when it refuses (the caller stays
    /// anonymous) or cannot be reached.
    async fn refresh(&self, refresh_token: &str) -> Option<Identity> {
        let refreshed = match self.auth.refresh(refresh_token).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                crate::metrics::silent_refresh("refused");
                return None;
            }
            Err(error) => {
                crate::metrics::silent_refresh("failed");
                tracing::warn!(error = %format!("{error:#}"), "silent refresh failed");
                return None;
            }
        };
        crate::metrics::silent_refresh("refreshed");
        let principal = self.verify(refreshed.token).await.ok()?;
        tracing::debug!(user.id = %principal.claims.sub, "session refreshed silently");
        Some(Identity {
            principal: Some(principal),
            refused: None,
            set_cookies: refreshed.set_cookies,
            refreshed: true,
        })
    }
}
