//! `GET /auth/sessions` and `DELETE /auth/sessions/{id}`: a user's refresh sessions.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::CurrentUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/sessions").route(web::get().to(list_sessions)))
        .service(web::resource("/auth/sessions/{id}").route(web::delete().to(delete_session)));
}

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
        .map(|s| {
            json!({
                "id": s.id,
                "createdAt": s.created_at,
                "lastUsedAt": s.last_used_at,
                "expiresAt": s.expires_at,
                "userAgent": s.user_agent,
                "ip": s.ip,
                "current": Some(s.id.as_str()) == current,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "success": true, "sessions": sessions })))
}

/// Ends one of the caller's sessions. Its refresh token stops working at once; access tokens already issued
/// for it run out within their short lifetime (ending the current one also revokes the caller's token).
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
    Ok(HttpResponse::Ok().json(json!({ "success": true, "message": "Session ended" })))
}
