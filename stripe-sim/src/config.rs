//! How a simulator is set up: keys, bind address, public URL, webhook endpoint and retry schedule.

use std::time::Duration;

use anyhow::Context;

use crate::delivery::{Delivery, RetryPolicy};

/// Settings of one simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The only secret key the API accepts (`Authorization: Bearer sk_…`).
    pub secret_key: String,
    /// The endpoint secret events are signed with (`whsec_…`).
    pub webhook_secret: String,
    /// Where events are sent; `None` records them only.
    pub webhook_url: Option<String>,
    /// Bind address.
    pub host: String,
    /// Bind port (0 picks a free one, as tests do).
    pub port: u16,
    /// Origin the checkout pages are linked under; default `http://host:port`.
    pub public_url: Option<String>,
    /// Retry schedule of automatic delivery.
    pub retry: RetryPolicy,
    /// How events are delivered from the start (`set_delivery` changes it later).
    pub delivery: Delivery,
}

impl Default for SimConfig {
    /// Test settings: fixed test keys, a free port on 127.0.0.1, no webhook endpoint, default retries.
    fn default() -> Self {
        Self {
            secret_key: "sk_test_stripe_sim".to_owned(),
            webhook_secret: "whsec_stripe_sim".to_owned(),
            webhook_url: None,
            host: "127.0.0.1".to_owned(),
            port: 0,
            public_url: None,
            retry: RetryPolicy::default(),
            delivery: Delivery::Auto,
        }
    }
}

impl SimConfig {
    /// Reads `STRIPE_SIM_HOST` (127.0.0.1), `STRIPE_SIM_PORT` (12111), `STRIPE_SECRET_KEY`,
    /// `STRIPE_WEBHOOK_SECRET`, `STRIPE_WEBHOOK_URL`, `STRIPE_SIM_PUBLIC_URL` and
    /// `STRIPE_SIM_RETRY_FIRST_DELAY_MS` (1000), `STRIPE_SIM_DELIVERY` (`auto`, `manual` or `unordered`;
    /// default auto), each secret also as `NAME_FILE`; names the variable it
    /// cannot parse.
    pub fn from_env() -> anyhow::Result<Self> {
        // `NAME_FILE` stands in for an unset `NAME` (compose and Kubernetes mount secrets as files).
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .or_else(|| {
                    let path = std::env::var(format!("{name}_FILE")).ok()?;
                    let text = std::fs::read_to_string(path).ok()?;
                    Some(text.strip_suffix('\n').unwrap_or(&text).to_owned())
                })
                .filter(|v| !v.is_empty())
        };
        let port = match var("STRIPE_SIM_PORT") {
            Some(p) => p
                .parse()
                .with_context(|| format!("STRIPE_SIM_PORT is not a port number: {p}"))?,
            None => 12111,
        };
        let mut retry = RetryPolicy::default();
        if let Some(ms) = var("STRIPE_SIM_RETRY_FIRST_DELAY_MS") {
            let ms: u64 = ms.parse().with_context(|| {
                format!("STRIPE_SIM_RETRY_FIRST_DELAY_MS is not a number: {ms}")
            })?;
            retry.first_delay = Duration::from_millis(ms);
        }
        let delivery = match var("STRIPE_SIM_DELIVERY") {
            Some(name) => Delivery::from_name(&name).with_context(|| {
                format!("STRIPE_SIM_DELIVERY must be auto, manual or unordered, not {name}")
            })?,
            None => Delivery::Auto,
        };
        let defaults = Self::default();
        Ok(Self {
            secret_key: var("STRIPE_SECRET_KEY").context("STRIPE_SECRET_KEY is required")?,
            webhook_secret: var("STRIPE_WEBHOOK_SECRET")
                .context("STRIPE_WEBHOOK_SECRET is required")?,
            webhook_url: var("STRIPE_WEBHOOK_URL"),
            host: var("STRIPE_SIM_HOST").unwrap_or(defaults.host),
            port,
            public_url: var("STRIPE_SIM_PUBLIC_URL"),
            retry,
            delivery,
        })
    }
}
