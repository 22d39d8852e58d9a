//! Opaque random secrets and their derivations. Raw values leave the process only in responses or
//! e-mails; storage keeps SHA-256 hashes.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use shared::internal_auth::sha256_hex;

/// 32 random bytes from the OS generator.
pub fn random_bytes() -> anyhow::Result<[u8; 32]> {
    let mut buf = [0u8; 32];
    aws_lc_rs::rand::fill(&mut buf)
        .map_err(|_| anyhow::anyhow!("the system random generator failed"))?;
    Ok(buf)
}

/// A 256-bit random token as base64url (43 characters): refresh and reset tokens.
pub fn random_token() -> anyhow::Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes()?))
}

/// A per-session secret (hex) used to derive successor refresh tokens.
pub fn session_secret() -> anyhow::Result<String> {
    Ok(hex::encode(random_bytes()?))
}

/// The successor of a refresh token: HMAC-SHA256 keyed by the session's secret. Deriving it (rather than
/// drawing a fresh random value) lets a replay inside the grace window get the same successor back without
/// ever storing a raw token; without the stored secret *and* the raw predecessor nobody can compute it.
pub fn successor_token(session_secret_hex: &str, presented: &str) -> anyhow::Result<String> {
    let key_bytes = hex::decode(session_secret_hex)
        .map_err(|_| anyhow::anyhow!("session secret is not hex"))?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key_bytes);
    Ok(URL_SAFE_NO_PAD.encode(hmac::sign(&key, presented.as_bytes()).as_ref()))
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A new API key: `pk_` + 32 random alphanumerics (unbiased: bytes ≥ 248 are redrawn).
pub fn api_key() -> anyhow::Result<String> {
    let mut out = String::with_capacity(35);
    out.push_str("pk_");
    while out.len() < 35 {
        for b in random_bytes()? {
            if b < 248 && out.len() < 35 {
                out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}

/// Whether a string looks like one of our API keys.
pub fn looks_like_api_key(s: &str) -> bool {
    s.len() == 35 && s.starts_with("pk_") && s[3..].bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_the_documented_shape() {
        let key = api_key().unwrap();
        assert!(looks_like_api_key(&key), "{key}");
        assert_ne!(key, api_key().unwrap());
    }

    #[test]
    fn tokens_carry_256_bits() {
        let t = random_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&t).unwrap().len(), 32);
    }

    #[test]
    fn successors_are_deterministic_per_session() {
        let secret = session_secret().unwrap();
        let a = successor_token(&secret, "tok").unwrap();
        assert_eq!(a, successor_token(&secret, "tok").unwrap());
        assert_ne!(
            a,
            successor_token(&session_secret().unwrap(), "tok").unwrap()
        );
        assert_ne!(a, successor_token(&secret, "tok2").unwrap());
    }
}
