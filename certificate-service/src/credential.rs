//! The credential itself: an Open Badges 3.0 `OpenBadgeCredential` on the W3C Verifiable Credentials
//! Data Model 2.0, with the spec's exact field names. Built once at issuance from what was true then (the
//! learner's name, the course's title); the signed JWT carries exactly this JSON as its payload, plus the
//! registered claims OB 3.0 section 8.2 maps onto it (`iss`, `jti`, `nbf`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::config::Settings;
use crate::status_list::StatusEntry;

/// The W3C VC 2.0 context, first in every credential.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context (version 3.0.3).
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Where the official JSON Schema of the credential is published.
pub const OB_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// Everything a certificate states.
pub struct Facts<'a> {
    pub certificate_id: &'a str,
    pub issued_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub learner_name: &'a str,
    pub course_id: &'a str,
    pub course_title: &'a str,
    pub course_description: &'a str,
    pub instructor_name: &'a str,
    pub status: &'a StatusEntry,
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The certificate's public page: also its `id`, so the credential names a URL a person can open.
pub fn credential_url(settings: &Settings, certificate_id: &str) -> String {
    settings.url(&format!("/certificates/{certificate_id}"))
}

/// The issuer's profile URL (`GET /api/v1/certificates/issuer` answers it).
pub fn issuer_url(settings: &Settings) -> String {
    settings.url("/api/v1/certificates/issuer")
}

/// The issuer `Profile`, as embedded in every credential and served on its own.
pub fn issuer_profile(settings: &Settings) -> Value {
    json!({
        "id": issuer_url(settings),
        "type": ["Profile"],
        "name": settings.issuer_name,
        "url": settings.public_url,
    })
}

/// The `OpenBadgeCredential` for `facts`.
pub fn open_badge(settings: &Settings, facts: &Facts<'_>) -> Value {
    let description = if facts.course_description.trim().is_empty() {
        format!(
            "The course \"{}\" on {}.",
            facts.course_title, settings.issuer_name
        )
    } else {
        facts.course_description.to_owned()
    };
    json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_url(settings, facts.certificate_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(settings),
        "validFrom": timestamp(facts.issued_at),
        "awardedDate": timestamp(facts.completed_at),
        "name": format!("Certificate of completion: {}", facts.course_title),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            // No e-mail and no account id: the learner is named as the certificate says, in plain text.
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": facts.learner_name,
                "identityType": "name",
                "hashed": false,
            }],
            "activityEndDate": timestamp(facts.completed_at),
            "achievement": {
                "id": settings.url(&format!("/api/v1/courses/{}", facts.course_id)),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": facts.course_title,
                "description": description,
                "criteria": {
                    "narrative": format!(
                        "Completed every lecture of the course \"{}\" on {}.",
                        facts.course_title, settings.issuer_name
                    ),
                },
                // The course's public document names its instructor; there is no public profile URL.
                "creator": {
                    "id": settings.url(&format!("/api/v1/courses/{}#instructor", facts.course_id)),
                    "type": ["Profile"],
                    "name": facts.instructor_name,
                },
            },
        },
        "credentialSchema": [{
            "id": OB_SCHEMA,
            "type": "1EdTechJsonSchemaValidator2019",
        }],
        "credentialStatus": facts.status.to_json(),
    })
}

/// The JWT claims set: the credential's properties, and the registered claims OB 3.0 (section 8.2.4.2)
/// maps onto them. No `exp`: a certificate does not expire.
pub fn jwt_claims(credential: &Value, issued_at: DateTime<Utc>) -> Value {
    let mut claims = credential.clone();
    if let Some(map) = claims.as_object_mut() {
        map.insert("iss".into(), credential["issuer"]["id"].clone());
        map.insert("jti".into(), credential["id"].clone());
        map.insert("nbf".into(), json!(issued_at.timestamp()));
    }
    claims
}
