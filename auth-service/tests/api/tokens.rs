//! Access tokens: JWKS, header and claims, and refusal of tampered, foreign and expired tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::helpers::spawn_app;

fn part(token: &str, i: usize) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn access_tokens_are_eddsa_with_kid_typ_and_the_documented_claims() {
    let app = spawn_app().await;
    let (_, token, body) = app.new_user("instructor").await;
    let header = part(&token, 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    let claims = part(&token, 1);
    assert_eq!(claims["sub"], body["user"]["_id"]);
    assert_eq!(claims["role"], "instructor");
    assert_eq!(claims["iss"], "lms-auth");
    assert_eq!(claims["aud"], "lms-api");
    assert!(claims["jti"].is_string() && claims["sid"].is_string());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let jwks: Value = app
        .client
        .get(app.url("/api/v1/auth/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["kid"], header["kid"]);
    assert!(key.get("d").is_none(), "the private key is never published");
}

#[tokio::test]
async fn a_tampered_token_is_refused() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let mut claims = part(&token, 1);
    claims["role"] = "admin".into();
    let forged = format!(
        "{}.{}.{}",
        token.split('.').next().unwrap(),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        token.split('.').nth(2).unwrap()
    );
    let res = app.get_bearer("/api/v1/auth/me", &forged).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "JWT token error"
    );
}

#[tokio::test]
async fn a_token_from_another_deployment_is_refused() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let (_, token, _) = other.new_user("student").await;
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        401
    );
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let mut claims: shared::claims::AccessClaims = serde_json::from_value(part(&token, 1)).unwrap();
    claims.exp = chrono::Utc::now().timestamp() - 120;
    let (kid, key) = app.state.tokens.keys.signer().unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid);
    header.typ = Some("at+jwt".into());
    let expired = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let res = app.get_bearer("/api/v1/auth/me", &expired).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "JWT token error");
}

#[tokio::test]
async fn a_key_rotated_elsewhere_is_picked_up_and_old_tokens_stay_valid() {
    use base64::engine::general_purpose::STANDARD;
    let app = spawn_app().await;
    let (_, old_token, _) = app.new_user("student").await;
    // Rotation by the CLI (or another replica): this replica has not loaded the new key yet.
    let store = &app.state.store.signing_keys;
    let new_kid =
        auth_service::tokens::rotate_signing_key(store, std::time::Duration::from_secs(900))
            .await
            .unwrap();
    let newest = store.list_live(chrono::Utc::now()).await.unwrap().remove(0);
    assert_eq!(newest.kid, new_kid);
    let mut claims: shared::claims::AccessClaims =
        serde_json::from_value(part(&old_token, 1)).unwrap();
    claims.jti = "signed-by-the-new-key".into();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(new_kid.clone());
    header.typ = Some("at+jwt".into());
    let key = jsonwebtoken::EncodingKey::from_ed_der(&STANDARD.decode(&newest.pkcs8_b64).unwrap());
    let new_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();

    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &new_token).await.status(),
        200,
        "unknown kid triggers a reload"
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &old_token).await.status(),
        200,
        "old key stays published"
    );
    let (_, issued_now, _) = app.new_user("student").await;
    assert_eq!(
        part(&issued_now, 0)["kid"],
        new_kid.as_str(),
        "the newest key signs"
    );
    let jwks: Value = app
        .client
        .get(app.url("/api/v1/auth/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
}
