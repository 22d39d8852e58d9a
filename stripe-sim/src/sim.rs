//! A running simulator: binds the server, starts the delivery worker and the expiry sweep, and gives tests
//! a handle to drive it (`pay`, `expire`, `deliver`, ...) without going through HTTP.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app_state::{AppState, DeliverJob};
use crate::config::SimConfig;
use crate::delivery::{Deliverer, Delivery};
use crate::state::{Outcome, RequestInfo, Store};
use crate::{api, control, page, session};

/// A running simulator; dropping it (or `stop`) stops the server and its background tasks.
pub struct StripeSim {
    state: web::Data<AppState>,
    base_url: String,
    handle: ServerHandle,
    tasks: Vec<JoinHandle<()>>,
}

impl StripeSim {
    /// Binds `host:port` and starts serving on the current Tokio runtime.
    pub async fn start(config: SimConfig) -> anyhow::Result<StripeSim> {
        let listener = std::net::TcpListener::bind((config.host.as_str(), config.port))
            .with_context(|| format!("cannot bind {}:{}", config.host, config.port))?;
        let port = listener
            .local_addr()
            .context("bound socket has no address")?
            .port();
        let local_host = if config.host == "0.0.0.0" {
            "127.0.0.1"
        } else {
            config.host.as_str()
        };
        let base_url = format!("http://{local_host}:{port}/");
        let page_base = match &config.public_url {
            Some(url) => format!("{}/", url.trim_end_matches('/')),
            None => base_url.clone(),
        };

        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let store = Arc::new(Store::new(events_tx));
        let deliverer = Arc::new(Deliverer::new(
            Arc::clone(&store),
            config.webhook_secret.clone(),
            config.webhook_url.clone(),
            config.retry,
        )?);
        deliverer.set_mode(config.delivery);
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        let state = web::Data::new(AppState {
            store: Arc::clone(&store),
            deliverer: Arc::clone(&deliverer),
            secret_key: config.secret_key.clone(),
            page_base,
            jobs,
        });

        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .configure(api::configure)
                .configure(page::configure)
                .configure(control::configure)
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .context("cannot listen")?
        .run();
        let handle = server.handle();

        let tasks = vec![
            tokio::spawn(async move {
                if let Err(e) = server.await {
                    tracing::error!(error = %e, "stripe-sim server stopped with an error");
                }
            }),
            tokio::spawn(Arc::clone(&deliverer).run(events_rx)),
            tokio::spawn(run_jobs(Arc::clone(&deliverer), jobs_rx)),
            tokio::spawn(sweep_expired(Arc::clone(&store))),
        ];
        Ok(StripeSim {
            state,
            base_url,
            handle,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT/`: the API base for async-stripe (it appends `v1/...`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Sends future events to `url` (`None`: record only).
    pub fn set_webhook_url(&self, url: Option<String>) {
        self.state.deliverer.set_url(url);
    }

    /// Automatic (send at once, retry), unordered (at least once, shuffled) or manual (record only).
    pub fn set_delivery(&self, mode: Delivery) {
        self.state.deliverer.set_mode(mode);
    }

    /// Creates that made a new session (idempotent replays do not count).
    pub fn sessions_created(&self) -> usize {
        self.state.store.sessions_created()
    }

    /// A session as the API returns it.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.state
            .store
            .session_raw(id)
            .map(|s| session::public(&s))
    }

    /// Every event generated, in order.
    pub fn events(&self) -> Vec<Value> {
        self.state
            .store
            .events()
            .iter()
            .filter_map(|e| serde_json::from_str(&e.payload).ok())
            .collect()
    }

    /// The exact bytes an event is sent with (to tamper with, or sign yourself).
    pub fn event_payload(&self, event_id: &str) -> Option<String> {
        self.state.store.event(event_id).map(|e| e.payload)
    }

    /// Status of each delivery attempt of an event so far (`None`: endpoint unreachable).
    pub fn delivery_attempts(&self, event_id: &str) -> Vec<Option<u16>> {
        self.state
            .store
            .event(event_id)
            .map(|e| e.attempts)
            .unwrap_or_default()
    }

    /// Completes the session as the page's `action=pay` does (events follow the delivery mode).
    pub async fn pay(&self, session_id: &str) -> anyhow::Result<()> {
        self.complete(session_id, Outcome::Paid, None)
    }

    /// Like `pay`, with the e-mail address the customer typed on the page (ignored when the session was
    /// created with `customer_email`, which the page locks).
    pub async fn pay_as(&self, session_id: &str, email: &str) -> anyhow::Result<()> {
        self.complete(session_id, Outcome::Paid, Some(email))
    }

    /// Completes the session with a delayed method: `completed` (unpaid), then `async_payment_succeeded`
    /// or `async_payment_failed`.
    pub async fn pay_async(&self, session_id: &str, succeed: bool) -> anyhow::Result<()> {
        self.complete(
            session_id,
            if succeed {
                Outcome::AsyncSucceeded
            } else {
                Outcome::AsyncFailed
            },
            None,
        )
    }

    fn complete(
        &self,
        session_id: &str,
        outcome: Outcome,
        email: Option<&str>,
    ) -> anyhow::Result<()> {
        self.state
            .store
            .with(|tx| tx.complete_session(session_id, outcome, email))?;
        Ok(())
    }

    /// Expires an open session now and emits `checkout.session.expired`.
    pub async fn expire(&self, session_id: &str) -> anyhow::Result<()> {
        self.state
            .store
            .with(|tx| tx.expire_session(session_id, &RequestInfo::default()))?;
        Ok(())
    }

    /// A hand-made event around `object` (like `stripe trigger`), signed and delivered like the others:
    /// e.g. a `checkout.session.expired` for a session that was paid, to test out-of-order handling.
    /// Returns the event id. `object` should be a complete Stripe object (`session`, or an event's
    /// `data.object`) for typed parsers to accept it.
    pub fn emit_event(&self, kind: &str, object: Value) -> String {
        self.state
            .store
            .with(|tx| tx.emit(kind, object, &RequestInfo::default()))
    }

    /// Makes the next refund of `payment_intent` fail with `failure_reason` (`refund.created` pending,
    /// then `refund.updated` and `refund.failed`; no `charge.refunded`).
    pub fn fail_next_refund(
        &self,
        payment_intent: &str,
        failure_reason: &str,
    ) -> anyhow::Result<()> {
        self.state
            .store
            .with(|tx| tx.fail_next_refund(payment_intent, failure_reason))?;
        Ok(())
    }

    /// Moves a session's `expires_at` (to the past, say): the expiry sweep then expires it within a second
    /// and emits `checkout.session.expired`, as Stripe does when a session runs out of time.
    pub fn set_expires_at(&self, session_id: &str, at: i64) -> anyhow::Result<()> {
        self.state
            .store
            .with(|tx| tx.set_expires_at(session_id, at))?;
        Ok(())
    }

    /// Signs the event now and POSTs it once to the webhook URL; returns the endpoint's status.
    pub async fn deliver(&self, event_id: &str) -> anyhow::Result<u16> {
        self.state.deliverer.deliver(event_id, None).await
    }

    /// Like `deliver`, signed with another timestamp (a late or replayed delivery).
    pub async fn deliver_at(&self, event_id: &str, timestamp: i64) -> anyhow::Result<u16> {
        self.state
            .deliverer
            .deliver(event_id, Some(timestamp))
            .await
    }

    /// A `Stripe-Signature` header value for `payload` at `timestamp`, signed with the webhook secret.
    pub fn sign(&self, payload: &str, timestamp: i64) -> String {
        self.state.deliverer.sign(payload, timestamp)
    }

    /// Stops the server and the background tasks (dropping the handle does the same).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for StripeSim {
    fn drop(&mut self) {
        // The stop command is sent at once; the server task finishes it without being awaited here.
        drop(self.handle.stop(false));
        // The first task is the server itself: it must run to process the stop command.
        for task in self.tasks.iter().skip(1) {
            task.abort();
        }
    }
}

async fn run_jobs(deliverer: Arc<Deliverer>, mut jobs: mpsc::UnboundedReceiver<DeliverJob>) {
    while let Some(job) = jobs.recv().await {
        let deliverer = Arc::clone(&deliverer);
        tokio::spawn(async move {
            let result = deliverer.deliver(&job.event_id, job.timestamp).await;
            let _ = job.reply.send(result);
        });
    }
}

/// Open sessions past `expires_at` expire (and emit `checkout.session.expired`) within a second.
async fn sweep_expired(store: Arc<Store>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        for id in store.overdue_sessions(crate::ids::now()) {
            // A session paid or expired meanwhile is simply skipped.
            let _ = store.with(|tx| tx.expire_session(&id, &RequestInfo::default()));
        }
    }
}
