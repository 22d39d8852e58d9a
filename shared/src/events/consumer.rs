//! The consumer-group loop: reclaim stale pending entries, read new ones, acknowledge an entry only after
//! its handler succeeded, and keep going through handler failures and Redis outages.

use std::future::Future;
use std::time::Duration;

use crate::redis_handle::RedisHandle;
use redis::AsyncCommands as _;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamInfoGroupsReply,
    StreamReadOptions, StreamReadReply,
};
use tokio::sync::watch;
use tracing::Instrument as _;

use super::{EVENTS_HANDLED, EVENTS_LAG, EVENTS_RECLAIMED, EventError, RawEvent, stream_key};

/// Pause after a Redis error before trying again; the handle reconnects (or finds the new master) meanwhile.
const ERROR_BACKOFF: Duration = Duration::from_millis(500);
/// How often the group's lag on each stream is read for `/metrics`.
const LAG_INTERVAL: Duration = Duration::from_secs(10);

/// Where a consumer reads and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// Redis key prefix (a fresh one per test).
    pub prefix: String,
    /// Consumer group: one per consuming service.
    pub group: String,
    /// Unique per replica (e.g. host name + pid); pending entries belong to it.
    pub consumer_name: String,
    pub topics: Vec<String>,
    /// How long one XREADGROUP waits for new entries.
    pub block_ms: u64,
    /// Entries per read or claim.
    pub batch: usize,
    /// Pending entries idle this long (their consumer died or failed) are claimed and retried.
    pub claim_idle_ms: u64,
}

impl ConsumerConfig {
    /// A config with a unique consumer name and defaults: 5 s blocking reads, batches of 32, reclaim
    /// after 60 s.
    pub fn new(
        prefix: &str,
        group: &str,
        topics: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        // Host and pid say where a pending entry is stuck; the random part keeps two consumers in one
        // process (tests) apart.
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_owned());
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        Self {
            prefix: prefix.to_owned(),
            group: group.to_owned(),
            consumer_name: format!("{host}-{}-{}", std::process::id(), &nonce[..8]),
            topics: topics.into_iter().map(Into::into).collect(),
            block_ms: 5_000,
            batch: 32,
            claim_idle_ms: 60_000,
        }
    }

    /// Sets the consumer name (must be unique among the group's live consumers).
    pub fn with_consumer_name(mut self, name: impl Into<String>) -> Self {
        self.consumer_name = name.into();
        self
    }
}

struct Stream {
    key: String,
    topic: String,
    /// XAUTOCLAIM cursor, so each pass continues where the last one stopped.
    cursor: String,
}

/// Reads a consumer group's streams and hands each event to a handler.
pub struct Consumer {
    /// Claims, acks and group creation.
    conn: RedisHandle,
    /// Only for XREADGROUP BLOCK: a blocked read on a multiplexed connection would stall every command
    /// queued behind it, and its response timeout must outlast the block.
    reader: RedisHandle,
    config: ConsumerConfig,
    streams: Vec<Stream>,
}

impl Consumer {
    /// Connects to the Redis at `url` (see [`Consumer::new`]).
    pub async fn connect(url: &str, config: ConsumerConfig) -> Result<Self, EventError> {
        Self::new(&RedisHandle::from_url(url)?, config).await
    }

    /// The consumer on `redis`: its commands share the handle, its blocking reads get a connection of
    /// their own on the same Redis (following the master with Sentinel, as the handle does).
    pub async fn new(redis: &RedisHandle, mut config: ConsumerConfig) -> Result<Self, EventError> {
        // BLOCK 0 would mean "forever", which no response timeout can cover.
        config.block_ms = config.block_ms.max(1);
        config.batch = config.batch.max(1);
        // Lazy connections: a service starts while Redis is down, and the run loop retries until it is back.
        let conn = redis.clone();
        let read_timeout = Duration::from_millis(config.block_ms) + Duration::from_secs(5);
        let reader = redis.dedicated(read_timeout)?;
        let streams = config
            .topics
            .iter()
            .map(|topic| Stream {
                key: stream_key(&config.prefix, topic),
                topic: topic.clone(),
                cursor: "0-0".to_owned(),
            })
            .collect();
        Ok(Self {
            conn,
            reader,
            config,
            streams,
        })
    }

    /// Creates the group on every stream (and the stream itself) if missing.
    pub async fn ensure_groups(&self) -> Result<(), EventError> {
        let mut conn = self.conn.clone();
        for stream in &self.streams {
            // Start at "0", not "$": events published before the group existed (a consumer deployed after
            // its producer) are then still delivered. Consumers are idempotent, so replaying the retained
            // backlog once is safe, while losing it is not.
            let created: redis::RedisResult<()> = conn
                .xgroup_create_mkstream(&stream.key, &self.config.group, "0")
                .await;
            match created {
                Err(e) if e.code() != Some("BUSYGROUP") => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs until `shutdown` turns true (or its sender is dropped). Never returns an error: Redis failures
    /// are logged and retried after a pause; a failed handler leaves its entry pending for a retry.
    pub async fn run<H, Fut, E>(mut self, handler: H, mut shutdown: watch::Receiver<bool>)
    where
        H: Fn(RawEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        // Groups may be missing on first start or after Redis lost its data; retry until Redis answers.
        while let Err(e) = self.ensure_groups().await {
            tracing::warn!(consumer.group = %self.config.group, error = %e, "could not create the consumer groups; retrying");
            tokio::select! {
                _ = shutdown.changed() => return,
                () = tokio::time::sleep(ERROR_BACKOFF) => {}
            }
        }
        tracing::info!(consumer.group = %self.config.group, consumer.name = %self.config.consumer_name,
            topics = ?self.config.topics, "event consumer started");
        let mut lag_recorded = tokio::time::Instant::now() - LAG_INTERVAL;
        while !*shutdown.borrow() {
            if lag_recorded.elapsed() >= LAG_INTERVAL {
                self.record_lag().await;
                lag_recorded = tokio::time::Instant::now();
            }
            let result = match self.reclaim(&handler).await {
                Err(e) => Err(e),
                Ok(()) => {
                    // Only the blocking read is cut short by shutdown; a running handler always finishes.
                    let read = tokio::select! {
                        _ = shutdown.changed() => break,
                        read = self.read_new() => read,
                    };
                    match read {
                        Ok(entries) => {
                            for (index, entry) in entries {
                                self.handle(index, entry, &handler).await;
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(e) = result {
                tracing::warn!(consumer.group = %self.config.group, error = %e, "event consumer hit a Redis error; retrying");
                if e.code() == Some("NOGROUP")
                    && let Err(e) = self.ensure_groups().await
                {
                    tracing::warn!(error = %e, "could not recreate the consumer groups");
                }
                tokio::select! {
                    _ = shutdown.changed() => break,
                    () = tokio::time::sleep(ERROR_BACKOFF) => {}
                }
            }
        }
        tracing::info!(consumer.group = %self.config.group, consumer.name = %self.config.consumer_name, "event consumer stopped");
    }

    /// Claims entries other consumers (or this one) left pending longer than `claim_idle_ms`, and handles them.
    async fn reclaim<H, Fut, E>(&mut self, handler: &H) -> redis::RedisResult<()>
    where
        H: Fn(RawEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        for index in 0..self.streams.len() {
            let options = StreamAutoClaimOptions::default().count(self.config.batch);
            let mut conn = self.conn.clone();
            let stream = &self.streams[index];
            let reply: StreamAutoClaimReply = conn
                .xautoclaim_options(
                    &stream.key,
                    &self.config.group,
                    &self.config.consumer_name,
                    self.config.claim_idle_ms,
                    &stream.cursor,
                    options,
                )
                .await?;
            self.streams[index].cursor = reply.next_stream_id;
            for entry in reply.claimed {
                tracing::info!(stream.entry_id = %entry.id, "reclaimed a stale pending event");
                metrics::counter!(EVENTS_RECLAIMED, "topic" => self.streams[index].topic.clone(),
                    "group" => self.config.group.clone())
                .increment(1);
                self.handle(index, entry, handler).await;
            }
        }
        Ok(())
    }

    /// One XREADGROUP over every stream for entries never delivered to the group.
    async fn read_new(&mut self) -> redis::RedisResult<Vec<(usize, StreamId)>> {
        let keys: Vec<&str> = self.streams.iter().map(|s| s.key.as_str()).collect();
        let ids = vec![">"; keys.len()];
        let options = StreamReadOptions::default()
            .group(&self.config.group, &self.config.consumer_name)
            .count(self.config.batch)
            .block(usize::try_from(self.config.block_ms).unwrap_or(usize::MAX));
        let reply: Option<StreamReadReply> =
            self.reader.xread_options(&keys, &ids, &options).await?;
        let mut entries = Vec::new();
        for stream_reply in reply.map(|r| r.keys).unwrap_or_default() {
            if let Some(index) = self.streams.iter().position(|s| s.key == stream_reply.key) {
                entries.extend(stream_reply.ids.into_iter().map(|entry| (index, entry)));
            }
        }
        Ok(entries)
    }

    /// Handles one entry: ack on success or when malformed; leave pending when the handler fails.
    async fn handle<H, Fut, E>(&self, index: usize, entry: StreamId, handler: &H)
    where
        H: Fn(RawEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let stream = &self.streams[index];
        let Some(event) = RawEvent::parse(&stream.topic, &entry) else {
            // A poison message would otherwise be reclaimed and fail forever.
            tracing::warn!(stream.key = %stream.key, stream.entry_id = %entry.id, "acknowledging a malformed event entry without handling it");
            self.count_handled(stream, "poison");
            self.ack(stream, &entry.id).await;
            return;
        };
        let span = tracing::info_span!("event", event.id = %event.envelope.id, event.topic = %stream.topic, stream.entry_id = %entry.id);
        #[cfg(feature = "otel")]
        if let Some(traceparent) = &event.envelope.traceparent {
            crate::telemetry::set_parent_from_traceparent(&span, traceparent);
        }
        match handler(event).instrument(span.clone()).await {
            Ok(()) => {
                self.count_handled(stream, "ok");
                self.ack(stream, &entry.id).instrument(span).await;
            }
            Err(e) => {
                self.count_handled(stream, "retry");
                span.in_scope(|| {
                    tracing::warn!(error = %format_args!("{e:#}"), "event handler failed; the entry stays pending and will be retried");
                });
            }
        }
    }

    fn count_handled(&self, stream: &Stream, outcome: &'static str) {
        metrics::counter!(EVENTS_HANDLED, "topic" => stream.topic.clone(),
            "group" => self.config.group.clone(), "outcome" => outcome)
        .increment(1);
    }

    /// The group's lag on each stream (entries not yet delivered to it) as a gauge; best effort.
    async fn record_lag(&self) {
        for stream in &self.streams {
            let mut conn = self.conn.clone();
            let reply: redis::RedisResult<StreamInfoGroupsReply> =
                conn.xinfo_groups(&stream.key).await;
            let Ok(reply) = reply else { continue };
            if let Some(group) = reply.groups.iter().find(|g| g.name == self.config.group) {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "a gauge; lags are far below 2^52"
                )]
                let lag = group.lag.unwrap_or(group.pending) as f64;
                metrics::gauge!(EVENTS_LAG, "topic" => stream.topic.clone(),
                    "group" => self.config.group.clone())
                .set(lag);
            }
        }
    }

    async fn ack(&self, stream: &Stream, entry_id: &str) {
        let mut conn = self.conn.clone();
        let acked: redis::RedisResult<usize> = conn
            .xack(&stream.key, &self.config.group, &[entry_id])
            .await;
        if let Err(e) = acked {
            // Not fatal: the entry stays pending and is redelivered; consumers are idempotent.
            tracing::warn!(stream.entry_id = %entry_id, error = %e, "could not acknowledge an event");
        }
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
