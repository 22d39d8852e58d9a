//! Rate limits: GCRA per client and bucket. With Redis the budget is taken by one atomic Lua script, so
//! every replica shares it; a call takes a small lease of requests that this replica then spends without
//! asking Redis again (`leases.rs`). If Redis fails the gateway falls back to an in-process governor
//! limiter (and stays there for a moment instead of timing out on every request).

mod gcra_script;
mod headers;
mod leases;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use shared::redis_handle::RedisHandle;

use crate::config::{Quota, RateLimits};

pub use headers::apply_headers;

/// How long one Redis decision may take before the local limiter decides instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(150);
/// After a Redis failure, decide locally for this long before trying Redis again.
const REDIS_BACKOFF_MS: i64 = 1000;

/// The two budgets a request can draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Every `/api/*` request of a client.
    Global,
    /// Credential endpoints, per client IP.
    Credentials,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Credentials => "credentials",
        }
    }
}

/// The outcome of one check, with what the response headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub quota: Quota,
    pub remaining: u32,
    /// Seconds until the budget is whole again.
    pub reset_secs: u64,
    /// Seconds until the next request would be allowed (0 when allowed).
    pub retry_after_secs: u64,
}

type LocalLimiter<K = String> =
    governor::RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// An in-process budget per client IP, for the checks that must come before any credential work: no
/// Redis round trip and no allocation (the key is the address itself; governor's keyed store is sharded).
/// Per replica, so the effective budget is this times the replicas; it bounds floods, while the shared
/// budgets above do the accounting.
pub struct PerIpLimiter {
    quota: Quota,
    limiter: LocalLimiter<IpAddr>,
}

impl PerIpLimiter {
    pub fn new(quota: Quota) -> Self {
        Self {
            quota,
            limiter: local(quota),
        }
    }

    /// Takes one request from `ip`'s budget.
    pub fn check(&self, ip: IpAddr) -> Decision {
        decide(&self.limiter, &ip, self.quota)
    }

    /// Forgets idle budgets (called periodically so the map stays bounded).
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The gateway's limiter; one per process, shared by all workers.
pub struct RateLimiter {
    limits: RateLimits,
    global: LocalLimiter,
    credentials: LocalLimiter,
    redis: Option<RedisHandle>,
    prefix: String,
    /// Unix milliseconds before which Redis is not asked.
    redis_paused_until: AtomicI64,
    leases: leases::Leases,
}

impl RateLimiter {
    /// `redis`: `None` keeps every budget in process.
    pub fn new(limits: RateLimits, redis: Option<RedisHandle>, prefix: &str) -> Self {
        Self {
            global: local(limits.global),
            credentials: local(limits.credentials),
            redis,
            limits,
            prefix: prefix.to_owned(),
            redis_paused_until: AtomicI64::new(0),
            leases: leases::Leases::default(),
        }
    }

    /// Takes one request from `client`'s budget in `bucket`.
    pub async fn check(&self, bucket: Bucket, client: &str) -> Decision {
        let quota = self.quota(bucket);
        let now_ms = chrono::Utc::now().timestamp_millis();
        if let Some(redis) = &self.redis
            && now_ms >= self.redis_paused_until.load(Ordering::Relaxed)
        {
            let key = [self.prefix.as_str(), "rl:", bucket.name(), ":", client].concat();
            if let Some(decision) = self.leases.spend(&key, quota) {
                return decision;
            }
            let want = leases::lease_size(quota);
            match gcra_script::take(redis.clone(), &key, quota, want, REDIS_TIMEOUT).await {
                Ok((decision, taken)) => {
                    self.leases.keep(&key, taken, &decision);
                    return decision;
                }
                Err(error) => {
                    tracing::warn!(%error, "shared rate limit unavailable; limiting in process");
                    self.redis_paused_until
                        .store(now_ms + REDIS_BACKOFF_MS, Ordering::Relaxed);
                }
            }
        }
        self.check_locally(bucket, client)
    }

    fn quota(&self, bucket: Bucket) -> Quota {
        match bucket {
            Bucket::Global => self.limits.global,
            Bucket::Credentials => self.limits.credentials,
        }
    }

    fn check_locally(&self, bucket: Bucket, client: &str) -> Decision {
        let quota = self.quota(bucket);
        let limiter = match bucket {
            Bucket::Global => &self.global,
            Bucket::Credentials => &self.credentials,
        };
        decide(limiter, &client.to_owned(), quota)
    }

    /// Forgets idle local budgets and lapsed leases (called periodically so the maps stay bounded).
    pub fn prune(&self) {
        self.leases.prune();
        for limiter in [&self.global, &self.credentials] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// One request from `key`'s budget in an in-process limiter.
fn decide<K: Clone + Eq + std::hash::Hash>(
    limiter: &LocalLimiter<K>,
    key: &K,
    quota: Quota,
) -> Decision {
    let period = period(quota);
    match limiter.check_key(key) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            Decision {
                allowed: true,
                quota,
                remaining,
                reset_secs: ceil_secs(period * (quota.max - remaining)),
                retry_after_secs: 0,
            }
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Decision {
                allowed: false,
                quota,
                remaining: 0,
                reset_secs: ceil_secs(period * quota.max),
                retry_after_secs: ceil_secs(wait).max(1),
            }
        }
    }
}

fn period(quota: Quota) -> Duration {
    quota.window / quota.max
}

fn local<K: Clone + Eq + std::hash::Hash>(quota: Quota) -> LocalLimiter<K> {
    let burst = NonZeroU32::new(quota.max).unwrap_or(NonZeroU32::MIN);
    // `period` is at least a nanosecond for any window ≥ 1 s and max ≤ u32::MAX.
    let q = governor::Quota::with_period(period(quota).max(Duration::from_nanos(1)))
        .unwrap_or_else(|| governor::Quota::per_second(burst))
        .allow_burst(burst);
    governor::RateLimiter::keyed(q).with_middleware::<StateInformationMiddleware>()
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000) as u64
}
