//! `GET /user/profile` (alias `/auth/me`) and `PATCH /user/profile` (JSON, or multipart with an `avatar`).

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use serde::Deserialize;
use shared::error::FieldError;
use shared::media::{MediaKind, MediaStore, save_field_to_temp};
use shared::openapi::responses::RevocationCheckedLogin;
use utoipa::ToSchema;

use super::dto::{ErrorEnvelope, ProfileForm, UserMessageResponse, UserResponse};
use crate::auth::CurrentUser;
use crate::domain::{Bio, UserName};
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;
use crate::store::ProfileChanges;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/user/profile")
            .route(web::get().to(get_profile))
            .route(web::patch().to(update_profile)),
    )
    .service(web::resource("/auth/me").route(web::get().to(get_me)));
}

/// The caller's account. Alias: `GET /api/v1/auth/me`.
#[utoipa::path(
    get,
    path = "/api/v1/user/profile",
    tag = "user",
    responses(
        (status = 200, description = "The caller's account (never hashes or secrets)", body = UserResponse),
        RevocationCheckedLogin,
        (status = 403, description = "Account is inactive", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn get_profile(caller: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse {
        success: true,
        user: caller.user.public(),
    })
}

/// Alias of `GET /api/v1/user/profile`: the caller's account.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The caller's account (never hashes or secrets)", body = UserResponse),
        RevocationCheckedLogin,
        (status = 403, description = "Account is inactive", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn get_me(caller: CurrentUser) -> HttpResponse {
    get_profile(caller).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    /// 2–50 characters after trimming.
    #[schema(
        min_length = 2,
        max_length = 50,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Ada Lovelace"
    )]
    name: Option<String>,
    /// At most 200 characters after trimming.
    #[schema(max_length = 200)]
    bio: Option<String>,
}

/// Longest text a multipart text field may carry.
const TEXT_FIELD_MAX: usize = 2 * 1024;

/// Changes the caller's name, bio and avatar. JSON (`name`, `bio`) or multipart (`name`, `bio`, file
/// `avatar`); unknown fields are refused, so `role` and `email` cannot change here.
#[utoipa::path(
    patch,
    path = "/api/v1/user/profile",
    tag = "user",
    request_body(content(
        (ProfileBody = "application/json"),
        (ProfileForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "Profile updated", body = UserMessageResponse),
        (status = 400, description = "Validation error or an unknown field", body = ErrorEnvelope),
        RevocationCheckedLogin,
        (status = 404, description = "User not found", body = ErrorEnvelope),
        (status = 413, description = "JSON body over 10 KB or avatar over 5 MB", body = ErrorEnvelope),
        (status = 415, description = "The avatar is not a JPEG, PNG, WebP or GIF image", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn update_profile(
    state: web::Data<AppState>,
    caller: CurrentUser,
    req: HttpRequest,
    payload: web::Payload,
) -> AuthResult<HttpResponse> {
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    let mut uploaded = None;
    let body = if is_multipart {
        let mut form = Multipart::new(req.headers(), payload);
        let mut body = ProfileBody {
            name: None,
            bio: None,
        };
        while let Some(mut field) = form
            .try_next()
            .await
            .map_err(|e| AuthError::field("body", e.to_string()))?
        {
            match field.name().unwrap_or_default() {
                "name" => body.name = Some(read_text(&mut field).await?),
                "bio" => body.bio = Some(read_text(&mut field).await?),
                "avatar" => {
                    let tmp = state.settings.media_dir.join(".tmp");
                    let temp = save_field_to_temp(
                        &mut field,
                        &tmp,
                        MediaKind::Image,
                        state.settings.avatar_max_bytes,
                    )
                    .await
                    .map_err(shared::error::ApiError::from)?;
                    uploaded = Some(temp);
                }
                other => {
                    return Err(AuthError::Validation(vec![FieldError::new(
                        other,
                        "Unknown field",
                    )]));
                }
            }
        }
        body
    } else {
        let bytes = shared::http::read_body(payload, state.settings.json_limit_bytes).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| AuthError::field("body", format!("Invalid profile JSON: {e}")))?
    };

    let mut changes = ProfileChanges::default();
    let mut errors = Vec::new();
    if let Some(name) = &body.name {
        match UserName::parse(name) {
            Ok(n) => changes.name = Some(n.as_str().to_owned()),
            Err(m) => errors.push(FieldError::new("name", m)),
        }
    }
    if let Some(bio) = &body.bio {
        match Bio::parse(bio) {
            Ok(b) => changes.bio = Some(b.as_str().to_owned()),
            Err(m) => errors.push(FieldError::new("bio", m)),
        }
    }
    if !errors.is_empty() {
        return Err(AuthError::Validation(errors));
    }
    if let Some(temp) = uploaded {
        let key = format!(
            "avatars/{}.{}",
            uuid::Uuid::new_v4().simple(),
            temp.extension()
        );
        let stored = state
            .media
            .put(temp, &key)
            .await
            .map_err(shared::error::ApiError::from)?;
        changes.avatar = Some((super::avatars::avatar_url(&stored.key), stored.key));
    }
    let new_key = changes.avatar.as_ref().map(|(_, k)| k.clone());
    let updated = state
        .store
        .users
        .update_profile(&caller.user.id, changes)
        .await?;
    let Some((before, after)) = updated else {
        if let Some(key) = new_key {
            remove_media(&state, &key).await;
        }
        return Err(AuthError::NotFound("User not found"));
    };
    if let (Some(old), Some(new)) = (&before.avatar_key, &new_key)
        && old != new
    {
        remove_media(&state, old).await;
    }
    Ok(HttpResponse::Ok().json(UserMessageResponse {
        success: true,
        message: "Profile updated successfully".to_owned(),
        user: after.public(),
    }))
}

/// Deletes a stored file; failure is logged, not fatal (the file is orphaned, the request still succeeded).
pub async fn remove_media(state: &AppState, key: &str) {
    if let Err(e) = state.media.delete(key).await {
        tracing::warn!(media.key = %key, error = %e, "could not remove a media file");
    }
}

async fn read_text(field: &mut actix_multipart::Field) -> AuthResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field
        .try_next()
        .await
        .map_err(|e| AuthError::field("body", e.to_string()))?
    {
        if buf.len() + chunk.len() > TEXT_FIELD_MAX {
            return Err(AuthError::field(
                field.name().unwrap_or("field"),
                "Field is too long",
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf)
        .map_err(|_| AuthError::field(field.name().unwrap_or("field"), "Field must be UTF-8 text"))
}
