//! The independent verifier (`scripts/verify_certificate.py`: PyJWT, the official Open Badges 3.0 JSON
//! Schema) against the service's public URLs: an issued certificate passes; a tampered one, one signed by
//! a key that is not the issuer's, and a revoked one fail.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::helpers::{TestApp, jwt_parts};

#[tokio::test]
async fn a_third_party_verifier_accepts_the_certificate_and_refuses_tampered_foreign_and_revoked_ones()
 {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Independently verified").await;
    app.complete(&student.id, &course.id).await;
    let id = app.wait_for_certificates(&student.token, 1).await[0]["_id"].clone();
    let id = id.as_str().unwrap_or_default();
    let (code, verdict) = app.independent_verdict(id, None).await;
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["achievement"], "Independently verified");

    let jwt = app.certificate(id).await["jwt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Tampered: another learner's name in the payload, the signature left as it was.
    let (header, mut payload) = jwt_parts(&jwt);
    payload["credentialSubject"]["identifier"][0]["identityHash"] = json!("Mallory");
    let parts: Vec<&str> = jwt.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let (code, verdict) = app.independent_verdict(id, Some(&forged)).await;
    assert_eq!(code, 1, "{verdict}");
    assert!(
        verdict["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("signature")),
        "{verdict}"
    );

    // Signed by a key of our own making under the issuer's kid: the signature does not verify.
    let key = certificate_service::keys::generate_key().expect("a key");
    let der = base64::engine::general_purpose::STANDARD
        .decode(&key.pkcs8_b64)
        .expect("pkcs8");
    let mut h = Header::new(Algorithm::EdDSA);
    h.typ = Some("vc+jwt".into());
    h.kid = header["kid"].as_str().map(str::to_owned);
    let foreign =
        jsonwebtoken::encode(&h, &payload, &EncodingKey::from_ed_der(&der)).expect("sign");
    let (code, verdict) = app.independent_verdict(id, Some(&foreign)).await;
    assert_eq!(code, 1, "{verdict}");
    // And under its own kid: not one of the issuer's keys.
    h.kid = Some(key.kid.clone());
    let foreign =
        jsonwebtoken::encode(&h, &payload, &EncodingKey::from_ed_der(&der)).expect("sign");
    let (code, verdict) = app.independent_verdict(id, Some(&foreign)).await;
    assert_eq!(code, 1, "{verdict}");
    assert!(
        verdict["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not in the issuer's JWKS")),
        "{verdict}"
    );

    let admin = app.services.admin().await;
    let res = app
        .post(
            &format!("/certificates/{id}/revoke"),
            Some(&admin.token),
            &json!({ "reason": "issued in error" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (code, verdict) = app.independent_verdict(id, None).await;
    assert_eq!(code, 1, "{verdict}");
    assert_eq!(verdict["revoked"], true);
}
