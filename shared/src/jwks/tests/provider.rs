//! An OpenID provider's keys (`ProviderKeys`): ES256 ID tokens from a local JWKS server are verified with
//! their claims; our own EdDSA, HS256 keyed with the public key, `none`, a wrong issuer or audience and an
//! expired token are refused; an unknown `kid` makes it fetch again.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::remote::start_jwks_server;
use super::{TestKey, b64, claims};
use crate::jwks::{Jwk, JwkSet, ProviderKeys, ProviderValidation, TokenError};

const ISSUER: &str = "https://idp.example.com";
const CLIENT: &str = "lms";

struct EcKey {
    kid: String,
    pkcs8: Vec<u8>,
    point: Vec<u8>,
}

impl EcKey {
    fn new(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        Self {
            kid: kid.to_owned(),
            pkcs8: pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
            point: pair.public_key().as_ref().to_vec(),
        }
    }

    fn jwk(&self) -> Jwk {
        // An uncompressed point: 0x04, x, y.
        Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: b64(&self.point[1..33]),
            y: b64(&self.point[33..65]),
            n: String::new(),
            e: String::new(),
            kid: self.kid.clone(),
            alg: "ES256".into(),
            use_: "sig".into(),
        }
    }

    fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).unwrap()
    }
}

fn id_claims(iss: &str, aud: &str, exp_in: i64) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    serde_json::json!({ "sub": "alice", "iss": iss, "aud": aud, "iat": now, "exp": now + exp_in, "nonce": "n" })
}

fn expected() -> ProviderValidation {
    ProviderValidation {
        issuer: ISSUER.into(),
        audience: CLIENT.into(),
        leeway_secs: 0,
    }
}

#[actix_web::test]
async fn es256_id_tokens_are_verified_and_everything_else_refused() {
    let key = EcKey::new("ec-1");
    let server = start_jwks_server(JwkSet {
        keys: vec![key.jwk(), TestKey::new("ed").jwk()],
    });
    let keys = ProviderKeys::new(server.url.clone(), reqwest::Client::new());
    let ok: serde_json::Value = keys
        .verify(&key.sign(&id_claims(ISSUER, CLIENT, 300)), &expected())
        .await
        .unwrap();
    assert_eq!(ok["sub"], "alice");
    assert_eq!(
        keys.key_ids(),
        ["ec-1"],
        "the Ed25519 key is not a provider key"
    );

    let refused = async |token: String| {
        keys.verify::<serde_json::Value>(&token, &expected())
            .await
            .unwrap_err()
    };
    assert_eq!(
        refused(key.sign(&id_claims("https://evil", CLIENT, 300))).await,
        TokenError::InvalidClaims
    );
    assert_eq!(
        refused(key.sign(&id_claims(ISSUER, "someone-else", 300))).await,
        TokenError::InvalidClaims
    );
    assert_eq!(
        refused(key.sign(&id_claims(ISSUER, CLIENT, -60))).await,
        TokenError::Expired
    );
    // Our own EdDSA access tokens are not ID tokens of anyone.
    assert_eq!(
        refused(TestKey::new("ed").sign(&claims())).await,
        TokenError::WrongAlgorithm
    );
    // HS256 keyed with the public key, and `none`.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &id_claims(ISSUER, CLIENT, 300),
        &EncodingKey::from_secret(&key.point),
    )
    .unwrap();
    assert_eq!(refused(hs).await, TokenError::WrongAlgorithm);
    let payload = b64(id_claims(ISSUER, CLIENT, 300).to_string().as_bytes());
    assert_eq!(
        refused(format!("{}.{payload}.", b64(br#"{"alg":"none"}"#))).await,
        TokenError::WrongAlgorithm
    );
    // A tampered payload.
    let token = key.sign(&id_claims(ISSUER, CLIENT, 300));
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64(id_claims(ISSUER, CLIENT, 9999).to_string().as_bytes());
    parts[1] = &forged;
    assert_eq!(refused(parts.join(".")).await, TokenError::BadSignature);

    // A rotated key is fetched when a token names it.
    let next = EcKey::new("ec-2");
    *server.keys.lock().unwrap() = JwkSet {
        keys: vec![next.jwk()],
    };
    // Unknown `kid`s refetch at most every 30 s (made-up ones must not make us hammer the provider): the
    // first fetch was just now, so the new key is refused until the interval has passed.
    assert_eq!(
        refused(next.sign(&id_claims(ISSUER, CLIENT, 300))).await,
        TokenError::UnknownKey
    );
}

#[actix_web::test]
async fn a_key_rotated_before_the_first_use_is_fetched_on_demand() {
    let key = EcKey::new("ec-late");
    let server = start_jwks_server(JwkSet { keys: vec![] });
    let keys = ProviderKeys::new(server.url.clone(), reqwest::Client::new());
    *server.keys.lock().unwrap() = JwkSet {
        keys: vec![key.jwk()],
    };
    let claims: serde_json::Value = keys
        .verify(&key.sign(&id_claims(ISSUER, CLIENT, 300)), &expected())
        .await
        .unwrap();
    assert_eq!(claims["nonce"], "n");
}
