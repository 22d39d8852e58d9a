//! The service token that guards `/internal/...` routes between services.

use subtle::ConstantTimeEq;

/// Header carrying the service token on internal calls.
pub const INTERNAL_TOKEN_HEADER: &str = "x-internal-token";

/// Compares a presented service token with the configured one in constant time.
pub fn service_token_matches(presented: &str, expected: &str) -> bool {
    // Compare digests so that neither the content nor the length of the secret leaks through timing.
    use sha2::{Digest, Sha256};
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    !expected.is_empty() && bool::from(a.ct_eq(&b))
}

/// SHA-256 of a secret as lower-case hex: how refresh tokens, reset tokens and API keys are stored.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The configured service token, registered as `web::Data<ServiceToken>` by a service with internal routes.
#[derive(Clone)]
pub struct ServiceToken(pub String);

impl std::fmt::Debug for ServiceToken {
    // Hand-written so the secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceToken(..)")
    }
}

/// A caller that presented the service token in [`INTERNAL_TOKEN_HEADER`]: 401 without one, 403 for a
/// wrong one (or when the service registered no [`ServiceToken`]).
#[cfg(feature = "actix")]
pub struct ServiceCaller;

#[cfg(feature = "actix")]
impl actix_web::FromRequest for ServiceCaller {
    type Error = crate::error::ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use crate::error::ApiError;
        let expected = req.app_data::<actix_web::web::Data<ServiceToken>>();
        let presented = req
            .headers()
            .get(INTERNAL_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok());
        std::future::ready(match (presented, expected) {
            (Some(p), Some(e)) if service_token_matches(p, &e.0) => Ok(Self),
            (None, _) => Err(ApiError::unauthorized("Service token required")),
            (Some(_), None) => {
                tracing::error!(
                    "no web::Data<ServiceToken> registered: internal calls are refused"
                );
                Err(ApiError::forbidden("Invalid service token"))
            }
            _ => Err(ApiError::forbidden("Invalid service token")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_matches() {
        assert!(service_token_matches("s3cret-token", "s3cret-token"));
        assert!(!service_token_matches("s3cret-tokem", "s3cret-token"));
        assert!(!service_token_matches("", "s3cret-token"));
        assert!(!service_token_matches("", ""));
    }

    #[test]
    fn sha256_hex_is_stable() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
