//! Open-loop load generator for latency at a fixed rate: sends `rate` requests per second for `secs`
//! seconds whatever the server does, and measures each latency from the moment the request was *due*
//! (so a stalled server cannot hide its queueing; no coordinated omission). Prints one JSON line.
//!
//!     loadgen <url> <rate> <secs> [header: value]...

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: loadgen <url> <rate> <secs> [header: value]..."))?;
    let rate: u64 = args.next().and_then(|r| r.parse().ok()).unwrap_or(1000);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut headers = reqwest::header::HeaderMap::new();
    for h in args {
        if let Some((name, value)) = h.split_once(':') {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())?,
                reqwest::header::HeaderValue::from_str(value.trim())?,
            );
        }
    }
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .no_proxy()
        .build()?;
    let total = rate * secs;
    let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * u32::try_from(i)?;
        tokio::time::sleep_until(due.into()).await;
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let ok = match client.get(&url).send().await {
                Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                Err(_) => false,
            };
            (ok, due.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0u64;
    for task in tasks {
        let (ok, latency) = task.await?;
        if !ok {
            errors += 1;
        }
        latencies.push(latency.as_micros() as u64);
    }
    latencies.sort_unstable();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0;
    println!(
        r#"{{"rate":{rate},"requests":{},"errors":{errors},"p50_ms":{:.3},"p90_ms":{:.3},"p99_ms":{:.3},"max_ms":{:.3}}}"#,
        latencies.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
