//! `GET /auth/sessions` and `DELETE /auth/sessions/{id}`: a user's refresh sessions.

use actix_web::{HttpResponse, web};

use shared::openapi::responses::RevocationCheckedLogin;

use super::dto::{ErrorEnvelope, MessageResponse, RefreshSession, SessionListResponse};
use crate::auth::CurrentUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/sessions").route(web::get().to(list_sessions)))
        .service(web::resource("/auth/sessions/{id}").route(web::delete().to(delete_session)));
}

/// Lists the caller's live refresh sessions; `current` marks the one the caller's token belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/auth/sessions",
    tag = "sessions",
    responses(
        (status = 200, description = "The caller's sessions", body = SessionListResponse, links(("DeleteSession" = (operation_id = "delete_session", parameters(("id" = "$response.body#/sessions/0/id")))))),
        RevocationCheckedLogin,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn list_sessions(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> AuthResult<HttpResponse> {
    let current = caller.claims.as_ref().and_then(|c| c.sid.as_deref());
    let sessions = state
        .store
        .sessions
        .list_for_user(&caller.user.id, chrono::Utc::now())
        .await?;
    let sessions: Vec<_> = sessions
        .iter()
        .map(|s| RefreshSession {
            id: s.id.clone(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent.clone(),
            ip: s.ip.clone(),
            current: Some(s.id.as_str()) == current,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SessionListResponse {
        success: true,
        sessions,
    }))
}

/// Ends one of the caller's sessions. Its refresh token stops working at once; access tokens already issued
/// for it run out within their short lifetime (ending the current one also revokes the caller's token).
#[utoipa::path(
    delete,
    path = "/api/v1/auth/sessions/{id}",
    tag = "sessions",
    params(("id" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "Session ended", body = MessageResponse),
        RevocationCheckedLogin,
        (status = 404, description = "Session not found", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn delete_session(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<String>,
) -> AuthResult<HttpResponse> {
    let id = id.into_inner();
    let deleted = state
        .store
        .sessions
        .delete_for_user(&caller.user.id, &id)
        .await?;
    if !deleted {
        return Err(AuthError::NotFound("Session not found"));
    }
    if let Some(claims) = caller
        .claims
        .as_ref()
        .filter(|c| c.sid.as_deref() == Some(id.as_str()))
    {
        state
            .revocations
            .revoke_token(&claims.jti, claims.exp)
            .await?;
    }
    Ok(HttpResponse::Ok().json(MessageResponse::ok("Session ended")))
}
