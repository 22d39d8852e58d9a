//! Refresh sessions: starting one at sign-in, rotating it on every use with a grace window for concurrent
//! refreshes, and revoking the whole family when an old token is replayed outside that window.

use chrono::{Duration, Utc};

use crate::domain::User;
use crate::error::{AuthCase, AuthError};
use crate::state::AppState;
use crate::store::{NewSession, Rotation, Session};
use crate::tokens::secrets::{random_token, session_secret, sha256_hex, successor_token};
use crate::tokens::{AccessToken, TokenSubject};

/// What sign-in, sign-up and refresh hand back to the client.
pub struct IssuedTokens {
    pub access: AccessToken,
    pub refresh_token: String,
    pub session_id: String,
}

/// Where a session was started from, shown in the session list.
#[derive(Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

fn duration(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// Issues an access token for `user` bound to `session_id`.
pub fn access_token(
    state: &AppState,
    user: &User,
    session_id: &str,
) -> Result<AccessToken, AuthError> {
    let subject = TokenSubject {
        user_id: &user.id,
        role: user.role,
        not_before: user.tokens_not_before,
        session_id: Some(session_id),
        api_key_id: None,
    };
    Ok(state.tokens.issue(subject, None)?)
}

/// Starts a new session family for a signed-in user.
pub async fn start(
    state: &AppState,
    user: &User,
    client: ClientInfo,
) -> Result<IssuedTokens, AuthError> {
    let s = &state.settings;
    let now = Utc::now();
    let refresh_token = random_token()?;
    let session_id = uuid::Uuid::new_v4().simple().to_string();
    let absolute = now + duration(s.refresh_absolute_ttl);
    let new = NewSession {
        id: session_id.clone(),
        user_id: user.id.clone(),
        secret: session_secret()?,
        token_hash: sha256_hex(&refresh_token),
        now,
        expires_at: (now + duration(s.refresh_idle_ttl)).min(absolute),
        absolute_expires_at: absolute,
        user_agent: client.user_agent.map(|ua| ua.chars().take(200).collect()),
        ip: client.ip,
    };
    state.store.sessions.insert(new).await?;
    let access = access_token(state, user, &session_id)?;
    Ok(IssuedTokens {
        access,
        refresh_token,
        session_id,
    })
}

const INVALID: AuthError = AuthError::Unauthorized("Invalid or expired refresh token");

/// Rotates the session that `presented` belongs to.
pub async fn rotate(state: &AppState, presented: &str) -> Result<IssuedTokens, AuthError> {
    let hash = sha256_hex(presented);
    let store = &state.store.sessions;
    // Two passes at most: losing the compare-and-swap to a concurrent refresh means the next read sees
    // that rotation, which is the grace case.
    for _ in 0..2 {
        let now = Utc::now();
        let session = store.find_by_any_hash(&hash).await?.ok_or(INVALID)?;
        if session.expires_at <= now || session.absolute_expires_at <= now {
            store.delete(&session.id).await?;
            return Err(INVALID);
        }
        let successor = successor_token(&session.secret, presented)?;
        if session.token_hash == hash {
            let expires_at =
                (now + duration(state.settings.refresh_idle_ttl)).min(session.absolute_expires_at);
            let to_hash = sha256_hex(&successor);
            let rotation = Rotation {
                session_id: &session.id,
                from_hash: &hash,
                to_hash: &to_hash,
                now,
                expires_at,
            };
            if store.rotate(rotation).await? {
                return finish(state, &session, successor).await;
            }
            continue;
        }
        if in_grace(state, &session, &hash, now) && sha256_hex(&successor) == session.token_hash {
            return finish(state, &session, successor).await;
        }
        tracing::warn!(session.id = %session.id, user.id = %session.user_id, "refresh token reuse: revoking the session");
        store.delete(&session.id).await?;
        return Err(AuthError::Unauthorized(
            "Refresh token reuse detected; the session was revoked",
        ));
    }
    Err(INVALID)
}

fn in_grace(state: &AppState, session: &Session, hash: &str, now: chrono::DateTime<Utc>) -> bool {
    session.previous_hash.as_deref() == Some(hash)
        && session
            .rotated_at
            .is_some_and(|at| now - at <= duration(state.settings.refresh_grace))
}

async fn finish(
    state: &AppState,
    session: &Session,
    refresh_token: String,
) -> Result<IssuedTokens, AuthError> {
    let user = state
        .store
        .users
        .find_by_id(&session.user_id)
        .await?
        .ok_or(INVALID)?;
    if !user.is_active {
        return Err(AuthError::Own(AuthCase::AccountInactive));
    }
    state.store.users.touch_last_active(&user.id).await?;
    let access = access_token(state, &user, &session.id)?;
    Ok(IssuedTokens {
        access,
        refresh_token,
        session_id: session.id.clone(),
    })
}

/// Ends the session a refresh token belongs to, if any (sign-out with only the refresh cookie).
pub async fn end_by_token(state: &AppState, presented: &str) -> Result<(), AuthError> {
    let session = state
        .store
        .sessions
        .find_by_any_hash(&sha256_hex(presented))
        .await?;
    if let Some(session) = session {
        state.store.sessions.delete(&session.id).await?;
    }
    Ok(())
}
