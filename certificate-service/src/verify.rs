//! The checks `GET /certificates/{id}/verify` runs, each named with its result, the way a third party
//! would run them from public URLs: the JWT's signature against the issuer's published key, the key being
//! one of the issuer's, the revocation status (what its bit in the signed status list says), and the course.
//! `valid` needs the first three; the course is reported but a deleted course does not undo a completion.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, Validation};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::status_list::LIST_SIZE;
use crate::store::Certificate;

/// One named check.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// `signature`, `issuerKey`, `status` or `course`.
    pub name: &'static str,
    pub ok: bool,
    /// Whether `valid` depends on it.
    pub required: bool,
    /// What was found, in words.
    pub detail: String,
}

fn check(name: &'static str, ok: bool, required: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok,
        required,
        detail: detail.into(),
    }
}

/// The JWT's payload if its signature verifies with the issuer key `kid` names.
pub fn verified_payload(state: &AppState, jwt: &str) -> Result<(String, Value), String> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| "not a JWT".to_owned())?;
    if header.alg != Algorithm::EdDSA {
        return Err(format!("alg is {:?}, not EdDSA", header.alg));
    }
    let kid = header
        .kid
        .ok_or_else(|| "no kid in the header".to_owned())?;
    let key = state
        .keys
        .decoding_key(&kid)
        .ok_or_else(|| format!("kid {kid} is not an issuer key"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map_err(|e| format!("the signature does not verify ({e})"))?;
    Ok((kid, data.claims))
}

/// Every check for a stored certificate.
pub async fn run(state: &AppState, certificate: &Certificate) -> anyhow::Result<Vec<Check>> {
    let mut checks = Vec::with_capacity(4);
    let jwt = certificate.jwt.as_deref().unwrap_or_default();
    if state.keys.decoding_key(&certificate.kid).is_none() {
        // A key added by another replica or `rotate-keys` since the last reload.
        state.keys.reload(&state.store.issuer_keys).await?;
    }
    match verified_payload(state, jwt) {
        Ok((kid, _)) => {
            checks.push(check("signature", true, true, "EdDSA signature verifies"));
            checks.push(check(
                "issuerKey",
                true,
                true,
                format!("signed by {kid}, published in the issuer's JWKS"),
            ));
        }
        Err(why) => {
            checks.push(check("signature", false, true, why));
            checks.push(check(
                "issuerKey",
                state.keys.decoding_key(&certificate.kid).is_some(),
                true,
                format!("recorded key {}", certificate.kid),
            ));
        }
    }
    // The status list's bit is set exactly when the certificate is revoked: the list is built from the
    // same `revokedAt` (`routes::issuer`), so reading it here would only re-derive this.
    let list = certificate.status_number / LIST_SIZE;
    let index = certificate.status_number % LIST_SIZE;
    checks.push(if certificate.revoked_at.is_some() {
        let reason = certificate
            .revocation_reason
            .as_deref()
            .unwrap_or("revoked");
        check(
            "status",
            false,
            true,
            format!("revoked: {reason} (bit {index} of status list {list} is set)"),
        )
    } else {
        check(
            "status",
            true,
            true,
            format!("not revoked (bit {index} of status list {list} is clear)"),
        )
    });
    let course = state.neighbours.course(&certificate.course.to_hex()).await;
    checks.push(match course {
        Ok(Some(c)) => check("course", true, false, format!("the course \"{}\" exists", c.title)),
        Ok(None) => check("course", false, false, "the course no longer exists"),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "course-service did not answer a verification");
            check("course", false, false, "course-service did not answer; try again later")
        }
    });
    Ok(checks)
}

/// Whether every required check passed.
pub fn valid(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.ok || !c.required)
}
