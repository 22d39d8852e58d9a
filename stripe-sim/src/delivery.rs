//! Webhook delivery: Stripe's signature, the send, and retries with backoff on a non-2xx answer.
//!
//! In `Delivery::Auto` a worker sends each new event once, in creation order, and schedules retries of a
//! failed attempt with doubling delays (as Stripe does, only faster). In `Delivery::Manual` events are only
//! recorded; tests send them when and as often as they like with `StripeSim::deliver`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use aws_lc_rs::hmac;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::ids::now;
use crate::state::Store;

/// When events are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Send each event as it happens, retrying non-2xx answers with backoff.
    Auto,
    /// Record events only; send them with `deliver` (tests: twice, out of order, late, never).
    Manual,
}

/// Retry schedule of automatic delivery.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Delay before the first retry; each further retry waits twice as long.
    pub first_delay: Duration,
    /// Attempts in total, the first included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(1),
            max_attempts: 8,
        }
    }
}

/// Signs and sends events to the configured endpoint.
pub struct Deliverer {
    store: Arc<Store>,
    secret: String,
    url: std::sync::RwLock<Option<String>>,
    manual: AtomicBool,
    retry: RetryPolicy,
    client: reqwest::Client,
}

impl Deliverer {
    /// A deliverer for `store`'s events, signing with `secret`.
    pub fn new(
        store: Arc<Store>,
        secret: String,
        url: Option<String>,
        retry: RetryPolicy,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("Stripe/1.0 (+https://stripe.com/docs/webhooks)")
            .build()
            .context("cannot build the webhook HTTP client")?;
        Ok(Self {
            store,
            secret,
            url: std::sync::RwLock::new(url),
            manual: AtomicBool::new(false),
            retry,
            client,
        })
    }

    /// The `Stripe-Signature` header for `payload` signed at `timestamp`.
    pub fn sign(&self, payload: &str, timestamp: i64) -> String {
        signature_header(&self.secret, payload, timestamp)
    }

    /// Points delivery at another endpoint (or none: events are only recorded).
    pub fn set_url(&self, url: Option<String>) {
        *self
            .url
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = url;
    }

    fn url(&self) -> Option<String> {
        self.url
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Switches between automatic and manual delivery.
    pub fn set_mode(&self, mode: Delivery) {
        self.manual
            .store(mode == Delivery::Manual, Ordering::SeqCst);
    }

    /// The current mode.
    pub fn mode(&self) -> Delivery {
        if self.manual.load(Ordering::SeqCst) {
            Delivery::Manual
        } else {
            Delivery::Auto
        }
    }

    /// Signs the event at `timestamp` (now when `None`), sends it once and records the attempt.
    /// Returns the endpoint's status; an unreachable endpoint is an error.
    pub async fn deliver(&self, event_id: &str, timestamp: Option<i64>) -> anyhow::Result<u16> {
        let event = self
            .store
            .event(event_id)
            .with_context(|| format!("no event {event_id}"))?;
        let url = self.url().context("no webhook URL is configured")?;
        let signature = self.sign(&event.payload, timestamp.unwrap_or_else(now));
        let sent = self
            .client
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(event.payload)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                self.store.record_attempt(event_id, Some(status));
                Ok(status)
            }
            Err(e) => {
                self.store.record_attempt(event_id, None);
                Err(anyhow::Error::new(e)
                    .context(format!("cannot reach the webhook endpoint for {event_id}")))
            }
        }
    }

    /// Sends new events in order while in `Auto` mode, retrying failures in the background.
    pub async fn run(self: Arc<Self>, mut new_events: UnboundedReceiver<String>) {
        while let Some(event_id) = new_events.recv().await {
            if self.mode() == Delivery::Manual || self.url().is_none() {
                continue;
            }
            if !self.attempt(&event_id).await {
                let me = Arc::clone(&self);
                tokio::spawn(async move { me.retry(event_id).await });
            }
        }
    }

    async fn retry(&self, event_id: String) {
        let mut delay = self.retry.first_delay;
        for _ in 1..self.retry.max_attempts {
            tokio::time::sleep(delay).await;
            if self.mode() == Delivery::Manual || self.attempt(&event_id).await {
                return;
            }
            delay = delay.saturating_mul(2);
        }
        tracing::warn!(event.id = %event_id, "webhook delivery gave up after {} attempts", self.retry.max_attempts);
    }

    /// One automatic attempt; true when the endpoint answered 2xx.
    async fn attempt(&self, event_id: &str) -> bool {
        match self.deliver(event_id, None).await {
            Ok(status) if (200..300).contains(&status) => true,
            Ok(status) => {
                tracing::info!(event.id = %event_id, http.status = status, "webhook endpoint refused an event; will retry");
                false
            }
            Err(e) => {
                tracing::info!(event.id = %event_id, error = %format!("{e:#}"), "webhook delivery failed; will retry");
                false
            }
        }
    }
}

/// `t=<unix>,v1=<hex hmac-sha256(secret, "t.payload")>`, exactly as Stripe signs.
pub fn signature_header(secret: &str, payload: &str, timestamp: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{payload}").as_bytes());
    format!("t={timestamp},v1={}", hex::encode(tag.as_ref()))
}
