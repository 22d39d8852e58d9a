//! Ed25519 signing keys as the platform's issuers keep them: auth-service's access-token keys and
//! certificate-service's issuer keys are both stored as a PKCS#8 document (base64) with the public key
//! (base64url, the JWK `x`) and a `kid` derived from it, and both publish them as a JWKS. Only what a key
//! is kept for differs (minutes after its last token, or forever), and that stays with each service.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::EncodingKey;
use sha2::{Digest, Sha256};

use crate::jwks::{EDDSA, Jwk};

/// A key could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("generating an Ed25519 key failed")]
    Generate,
    #[error("the stored private key is not base64")]
    NotBase64,
}

/// A freshly generated key, in its stored form.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// base64url of the first 12 bytes of the public key's SHA-256 (a caller may prefix it).
    pub kid: String,
    /// The PKCS#8 document, base64 (standard alphabet).
    pub pkcs8_b64: String,
    /// The 32-byte public key, base64url without padding.
    pub public_x: String,
}

/// A new Ed25519 key from the system's random source.
pub fn generate() -> Result<NewKey, KeyError> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::Generate)?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| KeyError::Generate)?;
    let public = pair.public_key().as_ref();
    Ok(NewKey {
        kid: URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12]),
        pkcs8_b64: STANDARD.encode(pkcs8.as_ref()),
        public_x: URL_SAFE_NO_PAD.encode(public),
    })
}

/// The signing key of a stored PKCS#8 document.
pub fn encoding_key(pkcs8_b64: &str) -> Result<EncodingKey, KeyError> {
    let der = STANDARD
        .decode(pkcs8_b64)
        .map_err(|_| KeyError::NotBase64)?;
    Ok(EncodingKey::from_ed_der(&der))
}

/// The published JWK of a stored key.
pub fn published(kid: &str, public_x: &str) -> Jwk {
    Jwk {
        kty: "OKP".to_owned(),
        crv: "Ed25519".to_owned(),
        x: public_x.to_owned(),
        kid: kid.to_owned(),
        alg: EDDSA.to_owned(),
        use_: "sig".to_owned(),
        ..Jwk::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_what_its_published_jwk_verifies()
    -> Result<(), Box<dyn std::error::Error>> {
        let key = generate()?;
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA),
            &serde_json::json!({ "sub": "x" }),
            &encoding_key(&key.pkcs8_b64)?,
        )?;
        let jwk = published(&key.kid, &key.public_x);
        let raw = URL_SAFE_NO_PAD.decode(&jwk.x)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_ed_der(&raw),
            &validation,
        )?;
        assert_eq!(decoded.claims["sub"], "x");
        assert_eq!(key.kid.len(), 16);
        Ok(())
    }
}
