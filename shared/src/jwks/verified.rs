//! A short-lived cache of tokens whose signature and claims were already verified, so that a client
//! sending the same token again does not pay for another Ed25519 verification (it was a fifth of the
//! gateway's CPU per request). Revocation is not the verifier's business: callers check it every time.
//! Entries live until the token expires or for a minute, whichever is sooner (so a key withdrawn from the
//! JWKS stops being honoured within a minute too). Keys are hashed with foldhash, not SipHash: a token is
//! ~400 bytes hashed on every request, and only tokens that passed verification are ever stored.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::claims::AccessClaims;

/// Longest an entry is trusted without verifying the signature again.
const MAX_AGE: Duration = Duration::from_secs(60);
/// Entries kept at most; the cache starts over when full (cheap, and bounded under any load).
const CAPACITY: usize = 10_000;

struct Entry {
    claims: AccessClaims,
    until: Instant,
}

#[derive(Default)]
pub(super) struct VerifiedTokens {
    entries: RwLock<HashMap<String, Entry, foldhash::fast::RandomState>>,
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified recently and has not expired since.
    pub fn get(&self, token: &str) -> Option<AccessClaims> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(token)?;
        let now = chrono::Utc::now().timestamp();
        (Instant::now() < entry.until && entry.claims.exp > now).then(|| entry.claims.clone())
    }

    /// Remembers a token that just passed verification.
    pub fn insert(&self, token: &str, claims: &AccessClaims) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            token.to_owned(),
            Entry {
                claims: claims.clone(),
                until: Instant::now() + MAX_AGE,
            },
        );
    }
}
