//! Access-token verification: EdDSA (Ed25519) JWTs checked against a JWKS that is cached, refreshed in
//! the background, refetched (throttled) on an unknown `kid`, and kept while auth-service is down. Also
//! [`ProviderKeys`]: the RS256 / ES256 keys of an OpenID provider, for its ID tokens (never for ours).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde::{Deserialize, Serialize};

use crate::claims::ACCESS_TOKEN_TYP;
use crate::error::{ApiError, ErrorCode};

/// The only signing algorithm accepted, as written in JWT headers and JWKs.
pub const EDDSA: &str = "EdDSA";

/// Longer tokens are refused before any decoding (ours are a few hundred bytes).
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// One public signing key as published in a JWKS: ours are RFC 8037 `OKP` (Ed25519) keys; an OpenID
/// provider's are `RSA` (`n`, `e`) or `EC` P-256 (`crv`, `x`, `y`). Fields other than `kty` default to
/// empty so that one key of another kind cannot make a whole set unreadable; such keys are then skipped.
/// The RSA and EC fields are left out when empty, so our own JWKS reads as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `OKP` for our keys.
    pub kty: String,
    /// Always `Ed25519` for our keys.
    #[serde(default)]
    pub crv: String,
    /// The 32-byte public key (Ed25519) or the x coordinate (EC), base64url without padding.
    #[serde(default)]
    pub x: String,
    /// The y coordinate of an EC key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub y: String,
    /// The modulus of an RSA key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub n: String,
    /// The public exponent of an RSA key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub e: String,
    /// Key id, matched against the token header's `kid`.
    #[serde(default)]
    pub kid: String,
    /// `EdDSA`.
    #[serde(default)]
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use", default)]
    pub use_: String,
}

impl Jwk {
    /// The JWK for an Ed25519 public key.
    pub fn ed25519(kid: impl Into<String>, public_key: &[u8]) -> Self {
        Self {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: URL_SAFE_NO_PAD.encode(public_key),
            y: String::new(),
            n: String::new(),
            e: String::new(),
            kid: kid.into(),
            alg: EDDSA.to_owned(),
            use_: "sig".to_owned(),
        }
    }

    /// The verification key, if this is a usable Ed25519 signing key.
    fn decoding_key(&self) -> Option<DecodingKey> {
        let usable = self.kty == "OKP"
            && self.crv == "Ed25519"
            && !self.kid.is_empty()
            && (self.alg.is_empty() || self.alg == EDDSA)
            && (self.use_.is_empty() || self.use_ == "sig");
        let raw = URL_SAFE_NO_PAD
            .decode(self.x.trim_end_matches('='))
            .ok()
            .filter(|b| b.len() == 32)?;
        // For Ed25519 jsonwebtoken keeps the raw 32-byte public key in its "DER" slot.
        usable.then(|| DecodingKey::from_ed_der(&raw))
    }

    /// The algorithm and verification key of an OpenID provider's signing key: RS256 for an RSA key of at
    /// least 2048 bits, ES256 for an EC P-256 key. Ed25519 and anything else: `None`.
    fn provider_key(&self) -> Option<(jsonwebtoken::Algorithm, DecodingKey)> {
        use jsonwebtoken::Algorithm;
        if !self.use_.is_empty() && self.use_ != "sig" {
            return None;
        }
        let decoded_len = |v: &str| URL_SAFE_NO_PAD.decode(v.trim_end_matches('=')).ok();
        let (alg, key) = match self.kty.as_str() {
            "RSA" => {
                // Leading zero bytes do not count towards the key size.
                let n = decoded_len(&self.n)?;
                let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
                if bits < 2048 || self.e.is_empty() {
                    return None;
                }
                let key = DecodingKey::from_rsa_components(&self.n, &self.e).ok()?;
                (Algorithm::RS256, key)
            }
            "EC" if self.crv == "P-256" => {
                let (x, y) = (decoded_len(&self.x)?, decoded_len(&self.y)?);
                if x.len() != 32 || y.len() != 32 {
                    return None;
                }
                let key = DecodingKey::from_ec_components(&self.x, &self.y).ok()?;
                (Algorithm::ES256, key)
            }
            _ => return None,
        };
        let alg_name = match alg {
            Algorithm::RS256 => "RS256",
            _ => "ES256",
        };
        (self.alg.is_empty() || self.alg == alg_name).then_some((alg, key))
    }
}

/// The document served at `/api/v1/auth/.well-known/jwks.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// What a verifier expects of every token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    pub issuer: String,
    pub audience: String,
    /// Clock skew tolerated on `exp`.
    pub leeway_secs: u64,
}

/// How a verifier keeps its copy of a remote JWKS fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksOptions {
    /// Background refresh period.
    pub refresh_interval: Duration,
    /// At most one fetch per this interval is triggered by unknown `kid`s.
    pub min_refetch_interval: Duration,
    /// Timeout of one JWKS request.
    pub http_timeout: Duration,
}

impl Default for JwksOptions {
    fn default() -> Self {
        Self {
            refresh_interval: Duration::from_secs(300),
            min_refetch_interval: Duration::from_secs(30),
            http_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a token was refused. The messages and [`TokenError::reason`] never include the token or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token was signed by an unknown key")]
    UnknownKey,
    #[error("the token signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token algorithm is not allowed")]
    WrongAlgorithm,
    #[error("the token is not an access token")]
    WrongType,
    #[error("the token claims are invalid")]
    InvalidClaims,
    #[error("no signing keys are available")]
    KeysUnavailable,
}

impl TokenError {
    /// What a failed `jsonwebtoken::decode` means, once the header was read: a JSON error then is about
    /// the (signed) claims.
    pub(crate) fn of_decoding(e: &jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::InvalidSignature => Self::BadSignature,
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => Self::WrongAlgorithm,
            ErrorKind::InvalidIssuer
            | ErrorKind::InvalidAudience
            | ErrorKind::InvalidSubject
            | ErrorKind::ImmatureSignature
            | ErrorKind::MissingRequiredClaim(_)
            | ErrorKind::InvalidClaimFormat(_)
            | ErrorKind::Json(_) => Self::InvalidClaims,
            _ => Self::Malformed,
        }
    }

    /// A short machine-readable reason for the error's `details`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::WrongAlgorithm => "wrong_algorithm",
            Self::WrongType => "wrong_type",
            Self::InvalidClaims => "invalid_claims",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }
}

impl From<TokenError> for ApiError {
    /// 401 "JWT token error" with the reason; 503 when no key has ever been loaded (not the caller's fault).
    fn from(err: TokenError) -> Self {
        let details = serde_json::json!({ "reason": err.reason() });
        match err {
            TokenError::KeysUnavailable => ApiError::new(
                ErrorCode::ServiceUnavailable,
                "Token verification is temporarily unavailable",
            ),
            _ => ApiError::unauthorized("JWT token error"),
        }
        .with_details(details)
    }
}

mod provider;
mod verified;
mod verifier;
pub use provider::{ProviderKeys, ProviderValidation};
pub use verifier::Verifier;

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// Checks the header before anything else is trusted; returns the `kid`. Pinning `alg` here (rather
/// than letting the library pick a verifier) is what stops `none` and HS/RS confusion outright.
fn check_header(token: &str) -> Result<String, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenError::Malformed)?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    if header.alg.as_deref() != Some(EDDSA) {
        return Err(TokenError::WrongAlgorithm);
    }
    if !header
        .typ
        .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP))
    {
        return Err(TokenError::WrongType);
    }
    // We understand no critical extensions, so RFC 7515 says refuse any.
    if header.crit.is_some() {
        return Err(TokenError::Malformed);
    }
    header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(TokenError::Malformed)
}

#[cfg(test)]
mod tests;
