//! The JSON shapes of the routes: what a client sees of a certificate, never a BSON type or an e-mail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::query::Pagination;
use utoipa::ToSchema;

use crate::config::Settings;
use crate::credential::credential_url;
use crate::store::Certificate;
use crate::verify::Check;

/// A certificate as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateView {
    #[serde(rename = "_id")]
    pub id: String,
    pub course_id: String,
    /// The course's title when the certificate was issued.
    pub course_title: String,
    /// The learner's name when the certificate was issued.
    pub learner_name: String,
    pub issued_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// `active` or `revoked`.
    pub status: String,
    /// When it was revoked; null while active.
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// `refunded`, `account deleted`, `superseded`, or an admin's reason; null while active.
    #[schema(required = true)]
    pub revocation_reason: Option<String>,
    /// The certificate's public page (also the credential's `id`).
    pub url: String,
    /// Where anyone can check it: `GET /api/v1/certificates/{id}/verify`.
    pub verify_url: String,
}

impl CertificateView {
    pub fn new(settings: &Settings, c: &Certificate) -> Self {
        let id = c.id.to_hex();
        Self {
            course_id: c.course.to_hex(),
            course_title: c.course_title.clone(),
            learner_name: c.learner_name.clone().unwrap_or_default(),
            issued_at: c.issued_at,
            completed_at: c.completed_at,
            status: if c.revoked_at.is_some() {
                "revoked"
            } else {
                "active"
            }
            .to_owned(),
            revoked_at: c.revoked_at,
            revocation_reason: c.revocation_reason.clone(),
            url: credential_url(settings, &id),
            verify_url: settings.url(&format!("/api/v1/certificates/{id}/verify")),
            id,
        }
    }
}

/// `GET /certificates`: a page of the caller's certificates, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CertificateListResponse {
    pub success: bool,
    pub data: Vec<CertificateView>,
    pub pagination: Pagination,
}

/// A certificate with its credential.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateDetail {
    #[serde(flatten)]
    pub certificate: CertificateView,
    /// The Open Badges 3.0 `OpenBadgeCredential`, exactly as signed.
    #[schema(value_type = Object)]
    pub credential: Value,
    /// The same credential secured as a JWT (VC-JOSE: `typ` `vc+jwt`, `alg` `EdDSA`, `kid`).
    pub jwt: String,
}

/// `GET /certificates/{id}` and the answers that change one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CertificateResponse {
    pub success: bool,
    pub certificate: CertificateDetail,
}

/// `GET /certificates/{id}/verify`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationResponse {
    pub success: bool,
    pub certificate_id: String,
    /// Every required check passed.
    pub valid: bool,
    pub checks: Vec<Check>,
}

/// `POST /certificates/{id}/revoke`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeBody {
    /// Why (3 to 500 characters); shown to verifiers.
    pub reason: String,
}
