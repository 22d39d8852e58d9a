//! Webhook delivery: Stripe's signature, the send, and retries with backoff on a non-2xx answer.
//!
//! In `Delivery::Auto` a worker sends each new event once, in creation order, and schedules retries of a
//! failed attempt with doubling delays (as Stripe does, only faster). `Delivery::Unordered` is what Stripe
//! actually promises, at least once and in no particular order: each event goes out after a random delay,
//! and about half of them a second time. In `Delivery::Manual` events are only recorded; tests send them
//! when and as often as they like with `StripeSim::deliver`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
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
    /// At least once, out of order: each event after a random delay of up to `UNORDERED_MAX_DELAY`, about
    /// half of them twice (the copy after another random delay); failures are retried as in `Auto`.
    Unordered,
}

/// The longest an `Unordered` delivery (or its duplicate) waits: long enough to swap events a
/// transition emits together, short enough for a test that waits for them.
pub const UNORDERED_MAX_DELAY: Duration = Duration::from_millis(250);

impl Delivery {
    /// `auto`, `manual` or `unordered`.
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Auto => "auto",
            Delivery::Manual => "manual",
            Delivery::Unordered => "unordered",
        }
    }

    /// The mode called `name` (as `STRIPE_SIM_DELIVERY` and `/_sim/delivery?mode=` spell it).
    pub fn from_name(name: &str) -> Option<Self> {
        [Delivery::Auto, Delivery::Manual, Delivery::Unordered]
            .into_iter()
            .find(|m| m.name() == name)
    }
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
    mode: AtomicU8,
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
            mode: AtomicU8::new(Delivery::Auto as u8),
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

    /// Switches the delivery mode (for events created from now on).
    pub fn set_mode(&self, mode: Delivery) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// The current mode.
    pub fn mode(&self) -> Delivery {
        match self.mode.load(Ordering::SeqCst) {
            m if m == Delivery::Manual as u8 => Delivery::Manual,
            m if m == Delivery::Unordered as u8 => Delivery::Unordered,
            _ => Delivery::Auto,
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

    /// Sends new events in order in `Auto` mode, shuffled and duplicated in `Unordered` mode, retrying
    /// failures in the background.
    pub async fn run(self: Arc<Self>, mut new_events: UnboundedReceiver<String>) {
        while let Some(event_id) = new_events.recv().await {
            if self.url().is_none() {
                continue;
            }
            match self.mode() {
                Delivery::Manual => {}
                Delivery::Auto => {
                    if !self.attempt(&event_id).await {
                        let me = Arc::clone(&self);
                        tokio::spawn(async move { me.retry(event_id).await });
                    }
                }
                Delivery::Unordered => {
                    let me = Arc::clone(&self);
                    tokio::spawn(async move { me.send_unordered(event_id).await });
                }
            }
        }
    }

    /// One event in `Unordered` mode: a random delay, the delivery (retried on failure), and for about
    /// half of the events one more copy after another random delay.
    async fn send_unordered(self: Arc<Self>, event_id: String) {
        let roll = uuid::Uuid::new_v4().as_u128();
        let max_ms = UNORDERED_MAX_DELAY.as_millis() + 1;
        let delay = |bits: u128| Duration::from_millis(u64::try_from(bits % max_ms).unwrap_or(0));
        if roll & 1 == 1 {
            let me = Arc::clone(&self);
            let id = event_id.clone();
            let wait = delay(roll >> 64);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                // The copy is not retried: the original's retries already make delivery at least once.
                let _ = me.attempt(&id).await;
            });
        }
        tokio::time::sleep(delay(roll >> 1)).await;
        if !self.attempt(&event_id).await {
            self.retry(event_id).await;
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
