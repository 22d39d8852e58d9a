//! Who is calling: the access token (cookie `token` or `Authorization: Bearer`) or an API key
//! (`X-API-Key` or `Bearer pk_...`), checked against revocations and the account's state.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use shared::claims::{AccessClaims, Role};
use shared::credentials::Presented;
use shared::error::{ApiError, ErrorCode};
use shared::revocation::is_before;

use crate::domain::User;
use crate::error::{AuthCase, AuthError};
use crate::state::AppState;
use crate::tokens::secrets::{looks_like_api_key, sha256_hex};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// Present when the caller used an access token.
    pub claims: Option<AccessClaims>,
    /// Present when the caller used an API key.
    pub api_key_id: Option<String>,
}

/// An authenticated caller whose role is admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub CurrentUser);

/// Credentials found on a request, before checking them.
pub enum Credentials {
    Token(String),
    ApiKey(String),
}

/// Finds credentials in the one order every service uses (`shared::credentials`).
pub fn credentials(req: &HttpRequest) -> Option<Credentials> {
    match Presented::from_request(req) {
        Presented::None => None,
        Presented::ApiKey(key) => Some(Credentials::ApiKey(key)),
        Presented::Bearer(token) | Presented::Cookie(token) => Some(Credentials::Token(token)),
    }
}

async fn authenticate(state: &AppState, creds: Credentials) -> Result<CurrentUser, AuthError> {
    match creds {
        Credentials::Token(token) => {
            let claims = state
                .tokens
                .verify(&token)
                .await
                .map_err(|e| AuthError::Own(AuthCase::BadToken(e.reason())))?;
            let revoked = state
                .revocations
                .is_token_revoked(&claims.jti)
                .await
                .map_err(|_| {
                    ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "Token revocation state is unavailable",
                    )
                })?;
            if revoked {
                return Err(AuthError::Own(AuthCase::BadToken("revoked")));
            }
            let user = state.store.users.find_by_id(&claims.sub).await?;
            let user = user.ok_or(AuthError::Own(AuthCase::BadToken("unknown user")))?;
            if is_before(claims.iat, user.tokens_not_before) {
                return Err(AuthError::Own(AuthCase::BadToken("revoked")));
            }
            if !user.is_active {
                return Err(AuthError::Own(AuthCase::AccountInactive));
            }
            Ok(CurrentUser {
                user,
                claims: Some(claims),
                api_key_id: None,
            })
        }
        Credentials::ApiKey(key) => {
            let (user, key_id) = resolve_api_key(state, &key).await?;
            Ok(CurrentUser {
                user,
                claims: None,
                api_key_id: Some(key_id),
            })
        }
    }
}

/// Resolves an API key to its active owner.
pub async fn resolve_api_key(state: &AppState, key: &str) -> Result<(User, String), AuthError> {
    if !looks_like_api_key(key) {
        return Err(AuthError::Own(AuthCase::BadToken("invalid api key")));
    }
    let found = state.store.api_keys.resolve(&sha256_hex(key)).await?;
    let api_key = found.ok_or(AuthError::Own(AuthCase::BadToken("invalid api key")))?;
    let user = state.store.users.find_by_id(&api_key.user_id).await?;
    let user = user.ok_or(AuthError::Own(AuthCase::BadToken("invalid api key")))?;
    if !user.is_active {
        return Err(AuthError::Own(AuthCase::AccountInactive));
    }
    Ok((user, api_key.id))
}

fn app_state(req: &HttpRequest) -> Result<AppState, AuthError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| AuthError::Unexpected(anyhow::anyhow!("AppState is not registered")))
}

impl FromRequest for CurrentUser {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let creds = credentials(req);
        Box::pin(async move {
            let state = state?;
            let creds = creds.ok_or(AuthError::Own(AuthCase::NotLoggedIn))?;
            authenticate(&state, creds).await
        })
    }
}

/// The caller, if any credentials were sent, with the platform's rule for bad ones (docs/gateway.md, "One
/// answer to bad credentials"): a bad bearer token or API key is refused (401) on every route, public ones
/// included; a bad `token` cookie counts as none and the response clears it (`shared::http`). A failure to
/// check them (Redis or the database down) is an error, never a silent "anonymous".
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let from_cookie = Presented::from_request(req).is_cookie();
        let fut = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            match fut.await {
                Ok(user) => Ok(Self(Some(user))),
                Err(AuthError::Own(AuthCase::NotLoggedIn)) => Ok(Self(None)),
                Err(
                    AuthError::Own(AuthCase::BadToken(_))
                    | AuthError::Own(AuthCase::AccountInactive),
                ) if from_cookie => {
                    req.extensions_mut().insert(shared::http::ClearAccessCookie);
                    Ok(Self(None))
                }
                Err(e) => Err(e),
            }
        })
    }
}

impl FromRequest for AdminUser {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let user = fut.await?;
            if user.user.role != Role::Admin {
                return Err(AuthError::Forbidden("Access denied, admin only"));
            }
            Ok(Self(user))
        })
    }
}
