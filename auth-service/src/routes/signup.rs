//! `POST /user/signup` (alias `/auth/register`): create a student or instructor account and sign it in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use shared::claims::Role;
use shared::error::FieldError;
use shared::openapi::responses::{BadCredential, JsonBodyRefused};
use utoipa::ToSchema;

use super::dto::{AuthResponse, ErrorEnvelope};
use super::respond;
use crate::auth::MaybeUser;
use crate::domain::{DEFAULT_AVATAR, Email, Password, UserName};
use crate::error::{AuthError, AuthResult, is_duplicate_key};
use crate::passwords;
use crate::refresh;
use crate::state::AppState;
use crate::store::NewUser;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/signup").route(web::post().to(sign_up)))
        .service(web::resource("/auth/register").route(web::post().to(register)));
}

#[derive(Deserialize, ToSchema)]
struct SignUpBody {
    /// 2–50 characters after trimming, no control characters.
    #[schema(value_type = String, min_length = 2, max_length = 50, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$", example = "Ada Lovelace")]
    name: Option<String>,
    /// Stored trimmed and lower-case; must be unused.
    #[schema(value_type = String, max_length = 254, pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", example = "ada@example.com")]
    email: Option<String>,
    /// 8–72 printable ASCII characters with at least one letter and one digit.
    #[schema(value_type = String, min_length = 8, max_length = 72, pattern = r"^[ -~]*([A-Za-z][ -~]*[0-9]|[0-9][ -~]*[A-Za-z])[ -~]*$", example = "correct-horse-1")]
    password: Option<String>,
    /// `student` (the default) or `instructor`; `admin` is refused with 403, anything else with 400.
    #[schema(value_type = Option<SignUpRole>, example = "student")]
    role: Option<String>,
}

/// The roles one can choose at sign-up (admins are invited, `POST /auth/invite-admin`). Read as text by
/// the handler, so that `admin` gets its 403 and other values their 400 in the envelope.
#[derive(Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
enum SignUpRole {
    Student,
    Instructor,
}

impl From<SignUpRole> for Role {
    fn from(r: SignUpRole) -> Self {
        match r {
            SignUpRole::Student => Role::Student,
            SignUpRole::Instructor => Role::Instructor,
        }
    }
}

/// Parsed sign-up input.
pub struct NewAccount {
    pub name: UserName,
    pub email: Email,
    pub password: Password,
}

/// Parses name, e-mail and password, collecting every problem at once.
pub fn parse_account(
    name: Option<&str>,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<NewAccount, AuthError> {
    let mut errors = Vec::new();
    let mut check = |field: &str, raw: Option<&str>, missing: &str| match raw {
        None => {
            errors.push(FieldError::new(field, missing));
            None
        }
        Some(v) => Some(v.to_owned()),
    };
    let name_raw = check("name", name, "Name is required");
    let email_raw = check("email", email, "Email is required");
    let password_raw = check("password", password, "Password is required");
    let name = name_raw.and_then(|n| {
        UserName::parse(&n)
            .map_err(|m| errors.push(FieldError::new("name", m)))
            .ok()
    });
    let email = email_raw.and_then(|e| {
        Email::parse(&e)
            .map_err(|m| errors.push(FieldError::new("email", m)))
            .ok()
    });
    let password = password_raw.and_then(|p| {
        Password::parse(&p)
            .map_err(|m| errors.push(FieldError::new("password", m)))
            .ok()
    });
    match (name, email, password) {
        (Some(name), Some(email), Some(password)) if errors.is_empty() => Ok(NewAccount {
            name,
            email,
            password,
        }),
        _ => Err(AuthError::Validation(errors)),
    }
}

/// Creates the account; a taken e-mail is a 409.
pub async fn create_account(
    state: &AppState,
    account: &NewAccount,
    role: Role,
) -> AuthResult<crate::domain::User> {
    let hash = passwords::hash(
        account.password.expose().to_owned(),
        state.settings.bcrypt_cost,
    )
    .await?;
    let new = NewUser {
        name: account.name.as_str(),
        email: account.email.as_str(),
        password_hash: &hash,
        role,
        avatar: DEFAULT_AVATAR,
    };
    match state.store.users.insert(new).await {
        Ok(user) => Ok(user),
        Err(e) if is_duplicate_key(&e) => Err(AuthError::Conflict("Email already registered")),
        Err(e) => Err(anyhow::Error::from(e).into()),
    }
}

/// Creates a student or instructor account and signs it in (sets the `token` and `refresh_token`
/// cookies). Alias: `POST /api/v1/auth/register`.
#[utoipa::path(
    post,
    path = "/api/v1/user/signup",
    tag = "user",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        BadCredential,
        (status = 403, description = "The admin role cannot be chosen at sign-up", body = ErrorEnvelope),
        (status = 409, description = "Email already registered", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
)]
async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: MaybeUser,
    body: web::Json<SignUpBody>,
) -> AuthResult<HttpResponse> {
    let role: Role = match body.role.as_deref() {
        None | Some("student") => SignUpRole::Student.into(),
        Some("instructor") => SignUpRole::Instructor.into(),
        Some("admin") => {
            return Err(AuthError::Forbidden(
                "The admin role cannot be chosen at sign-up",
            ));
        }
        Some(_) => return Err(AuthError::field("role", "Please select a valid role")),
    };
    let account = parse_account(
        body.name.as_deref(),
        body.email.as_deref(),
        body.password.as_deref(),
    )?;
    let user = create_account(&state, &account, role).await?;
    tracing::info!(user.id = %user.id, user.role = %user.role, "account created");
    let tokens = refresh::start(&state, &user, respond::client_info(&req)).await?;
    Ok(respond::with_tokens(
        StatusCode::CREATED,
        "Account created successfully",
        &user,
        &tokens,
        &state,
    ))
}

/// Alias of `POST /api/v1/user/signup`: creates a student or instructor account and signs it in.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        BadCredential,
        (status = 403, description = "The admin role cannot be chosen at sign-up", body = ErrorEnvelope),
        (status = 409, description = "Email already registered", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
)]
async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeUser,
    body: web::Json<SignUpBody>,
) -> AuthResult<HttpResponse> {
    sign_up(state, req, caller, body).await
}
