//! `POST /user/signin` (alias `/auth/login`): one generic 401 and the same work for unknown e-mails and
//! wrong passwords; inactive accounts get 403 only after the password was right.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use shared::error::FieldError;
use shared::openapi::responses::JsonBodyRefused;
use utoipa::ToSchema;

use super::dto::{AuthResponse, ErrorEnvelope};
use super::respond;
use crate::auth::MaybeUser;
use crate::domain::Email;
use crate::error::{AuthCase, AuthError, AuthResult};
use crate::passwords;
use crate::refresh;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/signin").route(web::post().to(sign_in)))
        .service(web::resource("/auth/login").route(web::post().to(login)));
}

#[derive(Deserialize, ToSchema)]
struct SignInBody {
    #[schema(value_type = String, max_length = 254, pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", example = "ada@example.com")]
    email: Option<String>,
    #[schema(value_type = String, min_length = 1, example = "correct-horse-1")]
    password: Option<String>,
}

/// The one message for every credential failure.
pub const INVALID_CREDENTIALS: &str = "Invalid email or password";

/// Signs in with e-mail and password (sets the `token` and `refresh_token` cookies). Alias:
/// `POST /api/v1/auth/login`.
#[utoipa::path(
    post,
    path = "/api/v1/user/signin",
    tag = "user",
    request_body = SignInBody,
    responses(
        (status = 200, description = "Signed in: \"Welcome back <name>\", tokens and cookies", body = AuthResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        (status = 401, description = "Invalid email or password (one message for both)", body = ErrorEnvelope),
        (status = 403, description = "Account is inactive (only after a correct password)", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
)]
async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: MaybeUser,
    body: web::Json<SignInBody>,
) -> AuthResult<HttpResponse> {
    let mut errors = Vec::new();
    let email = match body.email.as_deref() {
        Some(e) => Email::parse(e)
            .map_err(|m| errors.push(FieldError::new("email", m)))
            .ok(),
        None => {
            errors.push(FieldError::new("email", "Email is required"));
            None
        }
    };
    let password = match body.password.as_deref() {
        Some(p) if !p.is_empty() => Some(p.to_owned()),
        _ => {
            errors.push(FieldError::new("password", "Password is required"));
            None
        }
    };
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AuthError::Validation(errors));
    };

    let user = state.store.users.find_by_email(email.as_str()).await?;
    // Always run one bcrypt comparison so both failure paths take the same time.
    // An account made by single sign-on has no password: it is compared against the dummy too, and fails.
    let own_hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .filter(|h| !h.is_empty());
    let hash = own_hash.map_or_else(|| state.dummy_hash.to_string(), str::to_owned);
    let matches = passwords::verify(password, hash).await? && own_hash.is_some();
    let user = match user {
        Some(user) if matches => user,
        _ => return Err(AuthError::Unauthorized(INVALID_CREDENTIALS)),
    };
    if !user.is_active {
        return Err(AuthError::Own(AuthCase::AccountInactive));
    }
    state.store.users.touch_last_active(&user.id).await?;
    let tokens = refresh::start(&state, &user, respond::client_info(&req)).await?;
    let message = format!("Welcome back {}", user.name);
    Ok(respond::with_tokens(
        StatusCode::OK,
        &message,
        &user,
        &tokens,
        &state,
    ))
}

/// Alias of `POST /api/v1/user/signin`: signs in with e-mail and password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = SignInBody,
    responses(
        (status = 200, description = "Signed in: \"Welcome back <name>\", tokens and cookies", body = AuthResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        (status = 401, description = "Invalid email or password (one message for both)", body = ErrorEnvelope),
        (status = 403, description = "Account is inactive (only after a correct password)", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
)]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeUser,
    body: web::Json<SignInBody>,
) -> AuthResult<HttpResponse> {
    sign_in(state, req, caller, body).await
}
