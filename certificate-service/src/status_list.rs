//! Revocation as a W3C Bitstring Status List (v1.0): every certificate holds a `credentialStatus` entry
//! pointing at one bit of a list; the list is itself a credential, signed like the certificates and served
//! publicly, so a verifier holding a certificate and the list checks revocation without asking us about
//! that certificate. Bits are numbered from the first byte's most significant bit; the list is gzipped and
//! written as a multibase base64url string (`u` prefix), 131,072 bits (16 KB, the spec's minimum for herd
//! privacy) per list.

use std::io::{Read, Write};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::config::Settings;
use crate::credential::{VC_CONTEXT, issuer_profile};

/// Entries per list.
pub const LIST_SIZE: u64 = 131_072;

/// Where a certificate's bit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The list credential's URL.
    pub list_url: String,
    /// Position of the bit in that list.
    pub index: u64,
}

/// The URL of list number `list`.
pub fn list_url(settings: &Settings, list: u64) -> String {
    settings.url(&format!("/api/v1/certificates/status/{list}"))
}

impl StatusEntry {
    /// The entry of the certificate that was given status number `n` (lists fill one after another).
    pub fn for_number(settings: &Settings, n: u64) -> Self {
        Self {
            list_url: list_url(settings, n / LIST_SIZE),
            index: n % LIST_SIZE,
        }
    }

    /// The `BitstringStatusListEntry` written into the credential.
    pub fn to_json(&self) -> Value {
        json!({
            "id": format!("{}#{}", self.list_url, self.index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": self.index.to_string(),
            "statusListCredential": self.list_url,
        })
    }
}

/// `encodedList` with the bits at `revoked` set.
pub fn encode(revoked: impl IntoIterator<Item = u64>) -> anyhow::Result<String> {
    let mut bits = vec![0u8; (LIST_SIZE / 8) as usize];
    for i in revoked {
        if i < LIST_SIZE {
            bits[(i / 8) as usize] |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits).context("compressing a status list")?;
    let zipped = gz.finish().context("compressing a status list")?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(zipped)))
}

/// Whether bit `index` of an `encodedList` is set.
pub fn is_set(encoded: &str, index: u64) -> anyhow::Result<bool> {
    let b64 = encoded
        .strip_prefix('u')
        .context("encodedList is not multibase base64url")?;
    let zipped = URL_SAFE_NO_PAD
        .decode(b64)
        .context("encodedList is not base64url")?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .take(LIST_SIZE / 8 + 1)
        .read_to_end(&mut bits)
        .context("encodedList is not gzip")?;
    let byte = bits
        .get((index / 8) as usize)
        .context("index beyond the status list")?;
    Ok(byte & (0x80 >> (index % 8)) != 0)
}

/// The `BitstringStatusListCredential` of list `list`.
pub fn list_credential(
    settings: &Settings,
    list: u64,
    encoded: String,
    at: DateTime<Utc>,
) -> Value {
    let url = list_url(settings, list);
    json!({
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(settings),
        "validFrom": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_read_back_and_nothing_else_is_set() -> anyhow::Result<()> {
        let encoded = encode([0, 7, 8, 131_071])?;
        for i in [0, 7, 8, 131_071] {
            assert!(is_set(&encoded, i)?, "bit {i}");
        }
        for i in [1, 6, 9, 1000, 131_070] {
            assert!(!is_set(&encoded, i)?, "bit {i}");
        }
        // The first byte is 1000_0001: index 0 is the most significant bit.
        assert!(encoded.starts_with('u'));
        Ok(())
    }
}
