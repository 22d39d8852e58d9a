//! Shared request checks: ids from paths (malformed → 400), the caller as an ObjectId, a certificate that
//! can be shown (an erased one is gone).

use mongodb::bson::oid::ObjectId;
use shared::principal::Principal;
use utoipa::IntoParams;

use crate::error::{CertificateError, CertificateResult};
use crate::state::AppState;
use crate::store::{Certificate, object_id};

/// `{id}`: a certificate's ObjectId, 24 hex digits.
#[derive(IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct CertificateIdPath(
    /// Certificate id (ObjectId hex)
    #[param(pattern = "^[0-9a-fA-F]{24}$")]
    pub String,
);

/// Parses an id; the error names the field.
pub fn parse_id(raw: &str) -> CertificateResult<ObjectId> {
    object_id(raw.trim()).ok_or_else(|| CertificateError::field("id", "Invalid certificate id"))
}

/// The caller's user id as an ObjectId (an id of another shape can hold no certificate).
pub fn caller_id(caller: &Principal) -> CertificateResult<ObjectId> {
    object_id(&caller.user_id).ok_or(CertificateError::Forbidden(
        "This account has no certificates",
    ))
}

/// The certificate, 404 when unknown or erased with its account.
pub async fn shown(state: &AppState, raw_id: &str) -> CertificateResult<Certificate> {
    let id = parse_id(raw_id)?;
    state
        .store
        .certificates
        .find(id)
        .await?
        .filter(|c| c.credential.is_some() && c.jwt.is_some())
        .ok_or(CertificateError::NotFound("Certificate not found"))
}
