//! The shared GCRA: one Lua script that reads the client's theoretical arrival time, decides, and stores
//! the new one, atomically in Redis, using Redis's own clock so replicas with skewed clocks agree.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionManager;

use super::Decision;
use crate::config::Quota;

/// KEYS[1]: the client's key. ARGV[1]: emission interval (ms per request), ARGV[2]: burst (max).
/// Returns { allowed, remaining, retry_after_ms, reset_ms }.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return { 0, 0, allow_at - now, tat - now }
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return { 1, math.floor((tolerance - (new_tat - now)) / interval), 0, new_tat - now }
";

static GCRA: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(SCRIPT));

/// Runs the script for `key` under `quota`, giving up after `timeout`.
pub async fn check(
    mut redis: ConnectionManager,
    key: &str,
    quota: Quota,
    timeout: Duration,
) -> anyhow::Result<Decision> {
    let interval_ms = (quota.window.as_millis() / u128::from(quota.max)).max(1);
    let mut invocation = GCRA.key(key);
    invocation.arg(interval_ms as u64).arg(quota.max);
    let run = invocation.invoke_async::<(i64, i64, i64, i64)>(&mut redis);
    let (allowed, remaining, retry_ms, reset_ms) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| anyhow::anyhow!("timed out after {} ms", timeout.as_millis()))??;
    let secs = |ms: i64| (ms.max(0) as u64).div_ceil(1000);
    Ok(Decision {
        allowed: allowed == 1,
        quota,
        remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
        reset_secs: secs(reset_ms),
        retry_after_secs: if allowed == 1 {
            0
        } else {
            secs(retry_ms).max(1)
        },
    })
}
