//! The shared GCRA: one Lua script that reads the client's theoretical arrival time, takes what the budget
//! allows (one request or a small lease of them), and stores the new one, atomically in Redis, using Redis's own clock so replicas with skewed clocks agree.

use std::sync::LazyLock;
use std::time::Duration;

use shared::redis_handle::RedisHandle;

use super::Decision;
use crate::config::Quota;

/// KEYS[1]: the client's key. ARGV[1]: emission interval (ms per request), ARGV[2]: burst (max),
/// ARGV[3]: how many requests to take at most (a lease). Takes as many as are available up to that, at
/// least one or none. Returns { taken, remaining, retry_after_ms, reset_ms }.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local available = math.floor((tolerance - (tat - now)) / interval)
if available < 1 then
  return { 0, 0, tat + interval - tolerance - now, tat - now }
end
local taken = math.min(want, available)
local new_tat = tat + taken * interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return { taken, math.floor((tolerance - (new_tat - now)) / interval), 0, new_tat - now }
";

static GCRA: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(SCRIPT));

/// Takes up to `want` requests from `key`'s budget under `quota`, giving up after `timeout`. Returns the
/// decision for the request at hand (the remaining count includes the rest of what was taken) and how many
/// were taken (0 when refused).
pub async fn take(
    mut redis: RedisHandle,
    key: &str,
    quota: Quota,
    want: u32,
    timeout: Duration,
) -> anyhow::Result<(Decision, u32)> {
    let interval_ms = (quota.window.as_millis() / u128::from(quota.max)).max(1);
    let mut invocation = GCRA.key(key);
    invocation
        .arg(interval_ms as u64)
        .arg(quota.max)
        .arg(want.max(1));
    let run = invocation.invoke_async::<(i64, i64, i64, i64)>(&mut redis);
    let (taken, remaining, retry_ms, reset_ms) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| anyhow::anyhow!("timed out after {} ms", timeout.as_millis()))??;
    let secs = |ms: i64| (ms.max(0) as u64).div_ceil(1000);
    let taken = u32::try_from(taken.max(0)).unwrap_or(0);
    let shared_remaining = u32::try_from(remaining.max(0)).unwrap_or(u32::MAX);
    let decision = Decision {
        allowed: taken > 0,
        quota,
        remaining: shared_remaining.saturating_add(taken.saturating_sub(1)),
        reset_secs: secs(reset_ms),
        retry_after_secs: if taken > 0 { 0 } else { secs(retry_ms).max(1) },
    };
    Ok((decision, taken))
}
