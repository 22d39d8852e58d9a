//! `GET /user/avatars/{file}`: serves uploaded avatars (public) from the media store.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use shared::media::MediaStore;
use shared::openapi::Binary;
use shared::openapi::responses::BadCredential;

use super::dto::ErrorEnvelope;
use crate::auth::MaybeUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/avatars/{file}").route(web::get().to(get_avatar)));
}

/// The public URL of an avatar stored under `key` (`avatars/<file>`).
pub fn avatar_url(key: &str) -> String {
    format!("/api/v1/user/{key}")
}

fn content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1 {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// An uploaded avatar (public, cached for a day).
#[utoipa::path(
    get,
    path = "/api/v1/user/avatars/{file}",
    tag = "user",
    params(("file" = String, Path, description = "`<id>.<ext>` as in the user's `avatar` URL")),
    responses(
        (status = 200, description = "The image", content(
            (Binary = "image/jpeg"),
            (Binary = "image/png"),
            (Binary = "image/webp"),
            (Binary = "image/gif"),
        )),
        BadCredential,
        (status = 404, description = "Avatar not found", body = ErrorEnvelope),
    ),
)]
async fn get_avatar(
    state: web::Data<AppState>,
    _caller: MaybeUser,
    file: web::Path<String>,
) -> AuthResult<HttpResponse> {
    const MISSING: AuthError = AuthError::NotFound("Avatar not found");
    let file = file.into_inner();
    let plain = file.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') && file.len() <= 64;
    let mime = content_type(&file).filter(|_| plain).ok_or(MISSING)?;
    let path = state
        .media
        .local_path(&format!("avatars/{file}"))
        .ok_or(MISSING)?;
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(MISSING),
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}
