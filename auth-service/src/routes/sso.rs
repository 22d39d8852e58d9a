//! Single sign-on routes: `GET /auth/sso` (the providers), `GET /auth/sso/{provider}/start` (303 to the
//! provider), `GET /auth/sso/{provider}/callback` (303 to the frontend, signed in or with an error code)
//! and `POST /auth/sso/link` (the account's password links a pending identity). The flow is `crate::sso`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use shared::openapi::responses::JsonBodyRefused;
use utoipa::{IntoParams, ToSchema};

use super::dto::{AuthResponse, ErrorEnvelope};
use super::respond;
use crate::auth::MaybeUser;
use crate::cookies::{self, SSO_FLOW_COOKIE, SSO_LINK_COOKIE};
use crate::error::{AuthCase, AuthError, AuthResult};
use crate::passwords;
use crate::refresh;
use crate::sso::accounts::{self, Linked, Outcome};
use crate::sso::flow::well_formed;
use crate::sso::{SsoFailure, oidc};
use crate::state::AppState;
use crate::tokens::secrets::random_token;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/sso").route(web::get().to(list_sso_providers)))
        .service(web::resource("/auth/sso/link").route(web::post().to(link_sso_identity)))
        .service(web::resource("/auth/sso/{provider}/start").route(web::get().to(start_sso)))
        .service(web::resource("/auth/sso/{provider}/callback").route(web::get().to(finish_sso)));
}

/// One provider a sign-in page can offer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SsoProviderView {
    /// The path segment of its routes.
    id: String,
    /// What to show on the button.
    name: String,
    /// Where the button goes (`GET`, answers 303).
    start_url: String,
}

#[derive(Serialize, ToSchema)]
struct SsoProviderList {
    success: bool,
    providers: Vec<SsoProviderView>,
}

/// The configured OpenID providers, for a sign-in page.
#[utoipa::path(
    get,
    path = "/api/v1/auth/sso",
    tag = "sso",
    responses((status = 200, description = "The configured providers (none when SSO is off)", body = SsoProviderList)),
)]
async fn list_sso_providers(state: web::Data<AppState>) -> HttpResponse {
    let providers = state
        .sso
        .settings
        .providers
        .iter()
        .map(|p| SsoProviderView {
            id: p.id.clone(),
            name: p.name.clone(),
            start_url: format!("/api/v1/auth/sso/{}/start", p.id),
        })
        .collect();
    HttpResponse::Ok().json(SsoProviderList {
        success: true,
        providers,
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct StartQuery {
    /// Where to go once signed in: a path, or a URL of a `CLIENT_URL` origin; anything else is ignored.
    #[serde(default)]
    return_to: Option<String>,
    /// `link`: link the provider to the signed-in account instead of signing in; any other value signs in.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    intent: Option<String>,
}

/// The frontend page every failure ends on: `<first CLIENT_URL>/sso/error?code=...&provider=...`.
fn failure_page(state: &AppState, failure: SsoFailure, provider: &str) -> HttpResponse {
    let base = state.settings.client_url().trim_end_matches('/');
    let location = reqwest::Url::parse_with_params(
        &format!("{base}/sso/error"),
        [("code", failure.code()), ("provider", provider)],
    )
    .map_or_else(|_| format!("{base}/sso/error"), String::from);
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .insert_header(("cache-control", "no-store"))
        .finish()
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

/// A `returnTo` on one of the frontend's origins, made absolute; `None` for anything else.
fn validated_return_to(state: &AppState, raw: &str) -> Option<String> {
    if raw.len() > 2048 || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let base = state.settings.client_url().trim_end_matches('/');
    let candidate = if raw.starts_with('/') && !raw.starts_with("//") {
        format!("{base}{raw}")
    } else {
        raw.to_owned()
    };
    let url = reqwest::Url::parse(&candidate).ok()?;
    let allowed = state
        .settings
        .client_urls
        .iter()
        .any(|c| reqwest::Url::parse(c).is_ok_and(|c| origin(&c) == origin(&url)));
    (allowed && url.username().is_empty() && url.password().is_none()).then(|| url.into())
}

/// Starts signing in with a provider: 303 to its authorization endpoint (code flow, PKCE S256, `state` and
/// `nonce`), binding the flow to this browser with the `sso_flow` cookie. With `intent=link` a signed-in
/// user links the provider to their account. Failures go to `<CLIENT_URL>/sso/error?code=...`.
#[utoipa::path(
    get,
    path = "/api/v1/auth/sso/{provider}/start",
    tag = "sso",
    params(("provider" = String, Path, description = "A configured provider id"), StartQuery),
    responses((status = 303, description = "To the provider's authorization endpoint, or to the frontend's `/sso/error?code=...` page", headers(("location" = String, description = "Where to go")))),
)]
async fn start_sso(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeUser,
    provider: web::Path<String>,
) -> HttpResponse {
    let provider_id = provider.into_inner();
    let Some(provider) = state.sso.provider(&provider_id).cloned() else {
        return failure_page(&state, SsoFailure::UnknownProvider, "");
    };
    let Ok(query) = web::Query::<StartQuery>::from_query(req.query_string()) else {
        return failure_page(&state, SsoFailure::BadRequest, &provider.id);
    };
    let link_user = match query.intent.as_deref() {
        None => None,
        Some("link") => match &caller.0 {
            Some(user) => Some(user.user.id.clone()),
            None => return failure_page(&state, SsoFailure::NotLoggedIn, &provider.id),
        },
        Some(_) => return failure_page(&state, SsoFailure::BadRequest, &provider.id),
    };
    let return_to = query
        .return_to
        .as_deref()
        .and_then(|r| validated_return_to(&state, r));
    let discovered = match state.sso.discovery.get(&provider).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(sso.provider = %provider.id, error = format!("{e:#}"), "provider discovery failed");
            return failure_page(&state, SsoFailure::Unavailable, &provider.id);
        }
    };
    // One binding per browser, kept across flows so two tabs can sign in at once.
    let binding = match req.cookie(SSO_FLOW_COOKIE) {
        Some(c) if well_formed(c.value()) => c.value().to_owned(),
        _ => match random_token() {
            Ok(t) => t,
            Err(_) => return failure_page(&state, SsoFailure::Unavailable, &provider.id),
        },
    };
    let started = match state
        .sso
        .flows
        .start(&provider.id, &binding, return_to, link_user)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "could not store a single sign-on flow"
            );
            return failure_page(&state, SsoFailure::Unavailable, &provider.id);
        }
    };
    let redirect_uri = state.sso.settings.redirect_uri(&provider);
    match oidc::authorization_url(&discovered, &provider, &redirect_uri, &started) {
        Ok(location) => HttpResponse::SeeOther()
            .insert_header(("location", location))
            .insert_header(("cache-control", "no-store"))
            .cookie(cookies::sso_flow(&binding, &state.settings))
            .finish(),
        Err(failure) => failure_page(&state, failure, &provider.id),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbackQuery {
    /// The authorization code.
    #[serde(default)]
    code: Option<String>,
    /// The `state` the start sent.
    #[serde(default)]
    state: Option<String>,
    /// The issuer of the response (RFC 9207).
    #[serde(default)]
    iss: Option<String>,
    /// The provider's error code, when it refused.
    #[serde(default)]
    error: Option<String>,
}

/// Where the provider sends the browser back: checks the flow (single-use `state`, this browser, this
/// provider, RFC 9207 `iss`), exchanges the code with the PKCE verifier, checks the ID token, then signs
/// in (the `token` and `refresh_token` cookies of sign-in; 303 to `CLIENT_URL` or the flow's `returnTo`).
/// Everything else ends on `<CLIENT_URL>/sso/error?code=...` with no session, `LINK_REQUIRED` included
/// (with the `sso_link` cookie for `POST /auth/sso/link`).
#[utoipa::path(
    get,
    path = "/api/v1/auth/sso/{provider}/callback",
    tag = "sso",
    params(("provider" = String, Path, description = "A configured provider id"), CallbackQuery),
    responses((status = 303, description = "Signed in (cookies set) to the frontend, or to its `/sso/error?code=...` page", headers(("location" = String, description = "Where to go")))),
)]
async fn finish_sso(
    state: web::Data<AppState>,
    req: HttpRequest,
    provider: web::Path<String>,
) -> HttpResponse {
    let provider_id = provider.into_inner();
    match callback(&state, &req, &provider_id).await {
        Ok(res) => res,
        Err(failure) => {
            tracing::info!(sso.provider = %provider_id, sso.failure = failure.code(), "single sign-on refused");
            failure_page(&state, failure, &provider_id)
        }
    }
}

async fn callback(
    state: &AppState,
    req: &HttpRequest,
    provider_id: &str,
) -> Result<HttpResponse, SsoFailure> {
    let provider = state
        .sso
        .provider(provider_id)
        .cloned()
        .ok_or(SsoFailure::UnknownProvider)?;
    let query = web::Query::<CallbackQuery>::from_query(req.query_string())
        .map_err(|_| SsoFailure::BadRequest)?;
    let raw_state = query.state.as_deref().ok_or(SsoFailure::StateInvalid)?;
    if !well_formed(raw_state) {
        return Err(SsoFailure::StateInvalid);
    }
    // Taken before anything else is checked: whatever happens next, this state is spent.
    let flow = state
        .sso
        .flows
        .take_flow(raw_state)
        .await
        .map_err(|e| {
            tracing::error!(
                error = format!("{e:#}"),
                "could not read a single sign-on flow"
            );
            SsoFailure::Unavailable
        })?
        .ok_or(SsoFailure::StateInvalid)?;
    let bound = req
        .cookie(SSO_FLOW_COOKIE)
        .is_some_and(|c| crate::tokens::secrets::sha256_hex(c.value()) == flow.binding);
    if flow.provider != provider.id || !bound {
        return Err(SsoFailure::StateInvalid);
    }
    if query.error.is_some() {
        return Err(SsoFailure::ProviderError);
    }
    let discovered = state.sso.discovery.get(&provider).await.map_err(|e| {
        tracing::warn!(sso.provider = %provider.id, error = format!("{e:#}"), "provider discovery failed");
        SsoFailure::Unavailable
    })?;
    match query.iss.as_deref() {
        Some(iss) if iss != discovered.metadata.issuer => return Err(SsoFailure::IssuerMismatch),
        None if discovered
            .metadata
            .authorization_response_iss_parameter_supported =>
        {
            return Err(SsoFailure::IssuerMismatch);
        }
        _ => {}
    }
    let code = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048);
    let code = code.ok_or(SsoFailure::ProviderError)?;
    let redirect_uri = state.sso.settings.redirect_uri(&provider);
    let who = oidc::finish(
        state.sso.http(),
        &discovered,
        &provider,
        &redirect_uri,
        code,
        &flow.code_verifier,
        &flow.nonce,
    )
    .await?;
    match accounts::resolve(state, &provider, &flow, &who).await? {
        Outcome::SignIn(user) => {
            let location = flow
                .return_to
                .clone()
                .unwrap_or_else(|| state.settings.client_url().to_owned());
            sign_in_redirect(state, req, &user, &location).await
        }
        Outcome::LinkRequired(pending) => {
            let token = state.sso.flows.put_link(&pending).await.map_err(|e| {
                tracing::error!(error = format!("{e:#}"), "could not store a pending link");
                SsoFailure::Unavailable
            })?;
            let mut res = failure_page(state, SsoFailure::LinkRequired, &provider.id);
            res.add_cookie(&cookies::sso_link(&token, &state.settings))
                .map_err(|_| SsoFailure::Unavailable)?;
            Ok(res)
        }
    }
}

async fn sign_in_redirect(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::domain::User,
    location: &str,
) -> Result<HttpResponse, SsoFailure> {
    state
        .store
        .users
        .touch_last_active(&user.id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not record a single sign-on");
            SsoFailure::Unavailable
        })?;
    let tokens = refresh::start(state, user, respond::client_info(req))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not start a session after single sign-on");
            SsoFailure::Unavailable
        })?;
    tracing::info!(user.id = %user.id, "signed in through single sign-on");
    Ok(respond::redirect_with_tokens(location, &tokens, state))
}

#[derive(Deserialize, ToSchema)]
struct LinkBody {
    /// The password of the account whose e-mail address the provider reported.
    #[schema(value_type = String, min_length = 1, example = "correct-horse-1")]
    password: Option<String>,
}

/// Links the identity of a "link required" sign-in (the `sso_link` cookie) to the account whose e-mail
/// address it has, once that account's password is given, and signs in. One attempt per pending link: a
/// wrong password ends it (start again at the provider).
#[utoipa::path(
    post,
    path = "/api/v1/auth/sso/link",
    tag = "sso",
    request_body = LinkBody,
    responses(
        (status = 200, description = "Linked and signed in: tokens and cookies", body = AuthResponse),
        (status = 400, description = "No password", body = ErrorEnvelope),
        (status = 401, description = "Password is incorrect (the pending link is spent)", body = ErrorEnvelope),
        (status = 403, description = "Account is inactive (only after a correct password)", body = ErrorEnvelope),
        (status = 409, description = "No pending link (missing, used or expired), or the identity is already linked to an account", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
)]
async fn link_sso_identity(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LinkBody>,
) -> AuthResult<HttpResponse> {
    let password = body
        .password
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AuthError::field("password", "Password is required"))?;
    let token = req.cookie(SSO_LINK_COOKIE).map(|c| c.value().to_owned());
    let pending = match token {
        Some(t) => state.sso.flows.take_link(&t).await?,
        None => None,
    };
    const NO_LINK: &str = "No pending link: sign in with the provider again";
    let pending = pending.ok_or(AuthError::Conflict(NO_LINK))?;
    let provider = state
        .sso
        .provider(&pending.provider)
        .cloned()
        .ok_or(AuthError::Conflict(NO_LINK))?;
    let user = state.store.users.find_by_id(&pending.user_id).await?;
    // The account must still have the address the identity was matched on.
    let user = user
        .filter(|u| u.email == pending.email)
        .ok_or(AuthError::Conflict(NO_LINK))?;
    let hash = if user.password_hash.is_empty() {
        state.dummy_hash.to_string()
    } else {
        user.password_hash.clone()
    };
    if !passwords::verify(password, hash).await? || user.password_hash.is_empty() {
        return Err(AuthError::Unauthorized("Password is incorrect"));
    }
    if !user.is_active {
        return Err(AuthError::Own(AuthCase::AccountInactive));
    }
    match accounts::link(
        &state,
        &provider,
        &user,
        // A pending link exists only for an address a trusted provider verified, the account's.
        Linked {
            issuer: &pending.issuer,
            subject: &pending.subject,
            email: Some(&pending.email),
            email_vouched: true,
        },
    )
    .await
    {
        Ok(()) => {}
        Err(SsoFailure::IdentityTaken) => {
            return Err(AuthError::Conflict(
                "This identity is already linked to an account",
            ));
        }
        Err(_) => return Err(anyhow::anyhow!("linking an identity failed").into()),
    }
    state.store.users.touch_last_active(&user.id).await?;
    let tokens = refresh::start(&state, &user, respond::client_info(&req)).await?;
    let mut res = respond::with_tokens(StatusCode::OK, "Account linked", &user, &tokens, &state);
    res.add_cookie(&cookies::sso_link_cleared(&state.settings))
        .map_err(|e| anyhow::anyhow!("setting a cookie: {e}"))?;
    Ok(res)
}
