//! Object ids and clocks in Stripe's style (`cs_test_…`, `pi_…`, Unix seconds).

use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh id with Stripe's prefix for the object (`cs_test`, `pi`, `ch`, `re`, `evt`, `req`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
