//! Budget leased from the shared limit: one Redis call takes up to a tenth of a client's budget (at most
//! 100 requests' worth), and the next requests of that client on this replica spend it without asking Redis.
//! The shared limit still holds exactly (a lease is taken from it atomically); a replica's unspent lease
//! lapses after a second, which can only make the limit slightly stricter, never looser.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::Decision;
use crate::config::Quota;

/// How long an unspent lease may be used.
const LEASE_TTL: Duration = Duration::from_secs(1);

/// How many requests one Redis call takes for `quota`.
pub fn lease_size(quota: Quota) -> u32 {
    (quota.max / 10).clamp(1, 100)
}

struct Lease {
    tokens: u32,
    /// What Redis reported left after the lease was taken.
    shared_remaining: u32,
    reset_secs: u64,
    expires: Instant,
}

#[derive(Default)]
pub struct Leases {
    by_key: Mutex<HashMap<String, Lease>>,
}

impl Leases {
    /// Spends one request from `key`'s lease, if it has one.
    pub fn spend(&self, key: &str, quota: Quota) -> Option<Decision> {
        let mut leases = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        let lease = leases.get_mut(key)?;
        if lease.tokens == 0 || Instant::now() >= lease.expires {
            leases.remove(key);
            return None;
        }
        lease.tokens -= 1;
        Some(Decision {
            allowed: true,
            quota,
            remaining: lease.shared_remaining + lease.tokens,
            reset_secs: lease.reset_secs,
            retry_after_secs: 0,
        })
    }

    /// Keeps what is left of a lease just taken (`taken` requests, one of which is being spent now).
    pub fn keep(&self, key: &str, taken: u32, decision: &Decision) {
        if taken <= 1 {
            return;
        }
        self.by_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                key.to_owned(),
                Lease {
                    tokens: taken - 1,
                    shared_remaining: decision.remaining.saturating_sub(taken - 1),
                    reset_secs: decision.reset_secs,
                    expires: Instant::now() + LEASE_TTL,
                },
            );
    }

    /// Forgets lapsed leases.
    pub fn prune(&self) {
        let now = Instant::now();
        self.by_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, l| now < l.expires && l.tokens > 0);
    }
}
