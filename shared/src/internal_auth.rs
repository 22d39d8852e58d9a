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
