//! Tests for access-token verification: algorithm pinning, claim checks and the JWKS cache.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use jsonwebtoken::{EncodingKey, Header};

use jsonwebtoken::Algorithm;

use super::*;
use crate::claims::Role;

const ISS: &str = "lms-auth";
const AUD: &str = "lms";

pub(super) struct TestKey {
    kid: String,
    pkcs8: Vec<u8>,
    public: Vec<u8>,
}

impl TestKey {
    pub(super) fn new(kid: &str) -> Self {
        let doc = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        Self {
            kid: kid.to_owned(),
            pkcs8: doc.as_ref().to_vec(),
            public: pair.public_key().as_ref().to_vec(),
        }
    }

    pub(super) fn jwk(&self) -> Jwk {
        Jwk::ed25519(&self.kid, &self.public)
    }

    pub(super) fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&self.pkcs8)).unwrap()
    }
}

pub(super) fn config() -> VerifierConfig {
    VerifierConfig {
        issuer: ISS.to_owned(),
        audience: AUD.to_owned(),
        leeway_secs: 5,
    }
}

pub(super) fn claims() -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    serde_json::json!({
        "sub": "6650c0ffee0000000000beef", "role": "student", "jti": "jti-1",
        "iat": now, "exp": now + 900, "iss": ISS, "aud": AUD,
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token built by hand, so the header can say anything.
fn hand_made(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    sign: impl Fn(&[u8]) -> Vec<u8>,
) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign(message.as_bytes());
    format!("{message}.{}", b64(&signature))
}

fn verifier_for(key: &TestKey) -> Verifier {
    Verifier::from_keys(
        JwkSet {
            keys: vec![key.jwk()],
        },
        config(),
    )
}

#[test]
fn a_valid_token_is_accepted_with_its_claims() {
    let key = TestKey::new("k1");
    let claims = verifier_for(&key)
        .verify_cached(&key.sign(&claims()))
        .unwrap();
    assert_eq!(claims.sub, "6650c0ffee0000000000beef");
    assert_eq!(claims.role, Role::Student);
    assert_eq!(claims.jti, "jti-1");
}

#[actix_web::test]
async fn a_token_verified_once_is_served_from_the_cache_but_a_variant_of_it_is_not() {
    let key = TestKey::new("k1");
    let verifier = verifier_for(&key);
    let token = key.sign(&claims());
    let first = verifier.verify(&token).await.unwrap();
    let again = verifier.verify(&token).await.unwrap();
    assert_eq!(first.jti, again.jti);
    // The cache is keyed by the whole token: one changed signature byte is verified afresh and refused.
    // (A byte in the middle: the last base64 character carries padding bits.)
    let at = token.len() - 10;
    let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
    assert_eq!(
        verifier.verify(&tampered).await,
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_tampered_payload_is_refused() {
    let key = TestKey::new("k1");
    let token = key.sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims();
    forged["role"] = "admin".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(
        verifier_for(&key).verify_cached(&tampered),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_token_signed_by_another_key_is_refused() {
    let trusted = TestKey::new("k1");
    let verifier = verifier_for(&trusted);
    let stranger = TestKey::new("k2");
    assert_eq!(
        verifier.verify_cached(&stranger.sign(&claims())),
        Err(TokenError::UnknownKey)
    );
    // Same kid, different key: the signature check catches it.
    let impostor = TestKey::new("k1");
    assert_eq!(
        verifier.verify_cached(&impostor.sign(&claims())),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn an_alg_none_token_is_refused() {
    let key = TestKey::new("k1");
    for alg in ["none", "None", "NONE"] {
        let header = serde_json::json!({ "alg": alg, "typ": "at+jwt", "kid": "k1" });
        let token = hand_made(&header, &claims(), |_| Vec::new());
        assert_eq!(
            verifier_for(&key).verify_cached(&token),
            Err(TokenError::WrongAlgorithm),
            "{alg}"
        );
    }
    let header = serde_json::json!({ "typ": "at+jwt", "kid": "k1" });
    let token = hand_made(&header, &claims(), |_| Vec::new());
    assert_eq!(
        verifier_for(&key).verify_cached(&token),
        Err(TokenError::WrongAlgorithm)
    );
}

#[test]
fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    use aws_lc_rs::hmac;
    let key = TestKey::new("k1");
    let verifier = verifier_for(&key);
    let x_text = key.jwk().x;
    for secret in [key.public.clone(), x_text.into_bytes()] {
        let header = serde_json::json!({ "alg": "HS256", "typ": "at+jwt", "kid": "k1" });
        let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
        let token = hand_made(&header, &claims(), |m| {
            hmac::sign(&hmac_key, m).as_ref().to_vec()
        });
        assert_eq!(
            verifier.verify_cached(&token),
            Err(TokenError::WrongAlgorithm)
        );
    }
    for alg in ["RS256", "ES256", "PS256", "HS512"] {
        let header = serde_json::json!({ "alg": alg, "typ": "at+jwt", "kid": "k1" });
        let token = hand_made(&header, &claims(), |_| vec![0; 64]);
        assert_eq!(
            verifier.verify_cached(&token),
            Err(TokenError::WrongAlgorithm),
            "{alg}"
        );
    }
}

#[test]
fn an_expired_token_is_refused_but_leeway_applies() {
    let key = TestKey::new("k1");
    let now = jsonwebtoken::get_current_timestamp() as i64;
    let mut c = claims();
    c["exp"] = (now - 60).into();
    assert_eq!(
        verifier_for(&key).verify_cached(&key.sign(&c)),
        Err(TokenError::Expired)
    );
    c["exp"] = (now - 2).into();
    assert!(
        verifier_for(&key).verify_cached(&key.sign(&c)).is_ok(),
        "within the 5 s leeway"
    );
}

#[test]
fn a_wrong_issuer_or_audience_or_missing_claim_is_refused() {
    let key = TestKey::new("k1");
    let verifier = verifier_for(&key);
    for (field, value) in [("iss", "someone-else"), ("aud", "other-app")] {
        let mut c = claims();
        c[field] = value.into();
        assert_eq!(
            verifier.verify_cached(&key.sign(&c)),
            Err(TokenError::InvalidClaims),
            "{field}"
        );
    }
    for field in ["sub", "role", "jti", "iat", "exp", "iss", "aud"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(field);
        assert!(
            verifier.verify_cached(&key.sign(&c)).is_err(),
            "missing {field}"
        );
    }
}

#[test]
fn a_wrong_typ_or_missing_kid_is_refused() {
    let key = TestKey::new("k1");
    let verifier = verifier_for(&key);
    let sign = |header: serde_json::Value| {
        let signer = Ed25519KeyPair::from_pkcs8(&key.pkcs8).unwrap();
        hand_made(&header, &claims(), |m| signer.sign(m).as_ref().to_vec())
    };
    for typ in [Some("JWT"), Some("rt+jwt"), None] {
        let token = sign(serde_json::json!({ "alg": "EdDSA", "typ": typ, "kid": "k1" }));
        assert_eq!(
            verifier.verify_cached(&token),
            Err(TokenError::WrongType),
            "{typ:?}"
        );
    }
    let token = sign(serde_json::json!({ "alg": "EdDSA", "typ": "AT+JWT", "kid": "k1" }));
    assert!(
        verifier.verify_cached(&token).is_ok(),
        "typ is case-insensitive"
    );
    let token = sign(serde_json::json!({ "alg": "EdDSA", "typ": "at+jwt" }));
    assert_eq!(verifier.verify_cached(&token), Err(TokenError::Malformed));
    assert_eq!(
        verifier.verify_cached("not.a-token"),
        Err(TokenError::Malformed)
    );
}

#[test]
fn replace_keys_rotates_and_ignores_unusable_keys() {
    let old = TestKey::new("old");
    let new = TestKey::new("new");
    let verifier = verifier_for(&old);
    // A usable RS256 key (a provider's kind) is still not one of ours: the access verifier ignores it.
    let rsa = Jwk {
        kty: "RSA".into(),
        crv: String::new(),
        x: String::new(),
        y: String::new(),
        n: b64(&[0xC5; 256]),
        e: "AQAB".into(),
        kid: "r".into(),
        alg: "RS256".into(),
        use_: "sig".into(),
    };
    assert_eq!(
        verifier.replace_keys(JwkSet {
            keys: vec![new.jwk(), rsa]
        }),
        1
    );
    assert!(verifier.verify_cached(&new.sign(&claims())).is_ok());
    assert_eq!(
        verifier.verify_cached(&old.sign(&claims())),
        Err(TokenError::UnknownKey)
    );
    let json = serde_json::to_value(JwkSet {
        keys: vec![new.jwk()],
    })
    .unwrap();
    assert_eq!(json["keys"][0]["use"], "sig");
    assert_eq!(json["keys"][0]["crv"], "Ed25519");
}

#[test]
fn token_errors_become_401_with_a_reason() {
    let api: ApiError = TokenError::Expired.into();
    assert_eq!(api.status(), 401);
    assert_eq!(api.details.unwrap()["reason"], "expired");
    assert_eq!(ApiError::from(TokenError::KeysUnavailable).status(), 503);
}

mod provider;
mod remote;
