//! `Stripe-Signature` verification: `t=<unix secs>,v1=<hex HMAC-SHA256 of "t.payload">[,v1=...]`. Any
//! `v1` entry may match any configured secret (Stripe sends one per active secret while a secret rolls),
//! each compared in constant time, and the timestamp must be within 300 s of now.

use aws_lc_rs::hmac;

/// How far the signed timestamp may be from now, in seconds (Stripe's default tolerance).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature header was refused (all answered 400, nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("no v1 signature matches")]
    Mismatch,
    #[error("the signature timestamp is outside the tolerance")]
    Stale,
}

/// Checks `header` against `payload` with any of `secrets`, at time `now` (unix seconds).
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secrets: &[String],
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp: Option<&str> = None;
    let mut candidates = Vec::new();
    for pair in header.split(',') {
        let (key, value) = pair
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" => timestamp = Some(value),
            "v1" => candidates.push(value),
            _ => {} // v0 and future schemes are ignored, as Stripe's libraries do
        }
    }
    let t_raw = timestamp.ok_or(SignatureError::Malformed)?;
    let t: i64 = t_raw.parse().map_err(|_| SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let mut signed = Vec::with_capacity(t_raw.len() + 1 + payload.len());
    signed.extend_from_slice(t_raw.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(payload);
    let matches = secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        candidates.iter().any(|candidate| {
            hex::decode(candidate)
                // `hmac::verify` compares in constant time.
                .is_ok_and(|tag| hmac::verify(&key, &signed, &tag).is_ok())
        })
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    // Checked after the signature so an attacker learns nothing about the clock from unsigned requests.
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The header Stripe would send for `payload` signed with `secret` at `t` (tests and tools).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(payload);
    let tag = hmac::sign(&key, &signed);
    format!("t={t},v1={}", hex::encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn secrets() -> Vec<String> {
        vec!["whsec_test".to_owned()]
    }

    #[test]
    fn a_correct_signature_within_the_tolerance_passes() {
        let body = br#"{"id":"evt_1"}"#;
        for age in [0, 299, 300, -300] {
            let header = sign(body, "whsec_test", NOW - age);
            assert_eq!(
                verify_signature(body, &header, &secrets(), NOW),
                Ok(()),
                "age {age}"
            );
        }
    }

    #[test]
    fn a_timestamp_301_seconds_away_is_stale() {
        let body = b"{}";
        for age in [301, -301, 86_400] {
            let header = sign(body, "whsec_test", NOW - age);
            assert_eq!(
                verify_signature(body, &header, &secrets(), NOW),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn a_tampered_body_a_wrong_secret_or_a_changed_timestamp_is_refused() {
        let body = br#"{"amount":100}"#;
        let header = sign(body, "whsec_test", NOW);
        assert_eq!(
            verify_signature(br#"{"amount":900}"#, &header, &secrets(), NOW),
            Err(SignatureError::Mismatch)
        );
        let other = sign(body, "whsec_other", NOW);
        assert_eq!(
            verify_signature(body, &other, &secrets(), NOW),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW - 1));
        assert_eq!(
            verify_signature(body, &moved, &secrets(), NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_entries_and_any_configured_secret_may_match() {
        let body = b"payload";
        let good = sign(body, "whsec_test", NOW);
        let good_v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW},v1={},v1={good_v1},v0=abc", "00".repeat(32));
        assert_eq!(verify_signature(body, &header, &secrets(), NOW), Ok(()));
        let rotated = vec!["whsec_new".to_owned(), "whsec_test".to_owned()];
        assert_eq!(verify_signature(body, &good, &rotated, NOW), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            "",
            "t=abc,v1=00",
            "v1=00",
            &format!("t={NOW}"),
            "garbage",
            &format!("t={NOW},v1=zz"),
        ] {
            assert!(
                verify_signature(b"x", header, &secrets(), NOW).is_err(),
                "{header:?}"
            );
        }
        assert_eq!(
            verify_signature(b"x", &sign(b"x", "", NOW), &[String::new()], NOW),
            Err(SignatureError::Mismatch)
        );
    }
}
