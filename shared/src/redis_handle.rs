//! The one Redis handle every service and every gateway replica uses: `REDIS_URL` (one server, reconnected
//! by the `redis` crate's `ConnectionManager`) or a Sentinel set (`REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`).
//!
//! With Sentinel the master can move, and a `ConnectionManager` never asks where to: it reconnects to the
//! address it was given, and gets `READONLY` from a demoted master, or writes into a restarted old master
//! that Sentinel has not demoted yet (writes that are then lost). So the handle asks the sentinels itself:
//! after a connection error, a timeout or `READONLY` (once at a time, whoever noticed first: a single flight),
//! and every second in the background, and swaps in a connection to the master they name (which must answer
//! `ROLE` as master). Long-lived users of their own connection (the stream reader, pub/sub) ask
//! [`RedisHandle::client`] again after each disconnection and so follow the master too.
//!
//! The handle is a [`redis::aio::ConnectionLike`], so `cmd.query_async(&mut handle)` works as with a
//! `ConnectionManager`; a failed command is not retried here (it may have been applied), callers keep their
//! own retry rules. `WAIT` counts only writes made on its own connection, so a caller that needs replicas'
//! acknowledgements sends the write and [`RedisHandle::wait_for_replicas`]'s `WAIT` in one pipeline.

use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use crate::config::RedisSettings;

/// How long a connection attempt or one command may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the sentinels are asked where the master is, errors or not.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// The least time between two lookups triggered by errors (a burst of failures asks once).
const LOOKUP_GAP: Duration = Duration::from_millis(100);
/// A lookup that takes longer (a frozen sentinel) is abandoned; the next one tries again.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the master is and a connection to it.
struct Current {
    /// Bumped at every swap, so a failure seen on an older connection does not trigger another lookup.
    generation: u64,
    address: String,
    client: redis::Client,
    conn: ConnectionManager,
}

enum Source {
    Direct,
    Sentinel(Box<tokio::sync::Mutex<SentinelClient>>),
}

struct Inner {
    settings: RedisSettings,
    config: ConnectionManagerConfig,
    source: Source,
    /// Shared, so a command clones an `Arc` (and the manager's own handle), not the address string.
    current: RwLock<Option<Arc<Current>>>,
    /// Held while the sentinels are asked (the single flight); the time of the last lookup.
    lookup: tokio::sync::Mutex<Option<Instant>>,
}

/// A cheap-to-clone handle on the current Redis master.
#[derive(Clone)]
pub struct RedisHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedisHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisHandle")
            .field(
                "sentinel",
                &matches!(self.inner.source, Source::Sentinel(_)),
            )
            .field("address", &self.current_now().map(|c| c.address.clone()))
            .finish()
    }
}

/// The connection settings a service's shared handle uses: few, short retries, so while Redis is down a
/// request gets its 503 in well under a second rather than waiting through exponential back-off.
fn default_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(CONNECT_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200))
}

/// Whether an error means the connection (or the server behind it) may no longer be the master.
fn may_have_moved(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.code() == Some("READONLY")
}

impl RedisHandle {
    /// A handle as `settings` say. Lazy: nothing is connected (nor any sentinel asked) until first use, so
    /// a service starts while Redis is down. A malformed URL or sentinel address fails here.
    pub fn open(settings: &RedisSettings) -> RedisResult<Self> {
        Self::with_config(settings, default_config())
    }

    /// A direct handle on `url` (tools and tests).
    pub fn from_url(url: &str) -> RedisResult<Self> {
        Self::open(&RedisSettings::direct(url))
    }

    /// Another handle on the same Redis with its own connection whose commands may take up to
    /// `response_timeout` (a blocking stream read must not share, nor time out, the shared one).
    pub fn dedicated(&self, response_timeout: Duration) -> RedisResult<Self> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(response_timeout));
        Self::with_config(&self.inner.settings, config)
    }

    fn with_config(settings: &RedisSettings, config: ConnectionManagerConfig) -> RedisResult<Self> {
        let (source, current) = if settings.sentinels.is_empty() {
            let client = redis::Client::open(settings.url.as_str())?;
            let conn = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())?;
            let current = Current {
                generation: 1,
                address: client.get_connection_info().addr().to_string(),
                client,
                conn,
            };
            (Source::Direct, Some(Arc::new(current)))
        } else {
            let mut addresses = Vec::new();
            for node in &settings.sentinels {
                let info =
                    redis::IntoConnectionInfo::into_connection_info(format!("redis://{node}"))?;
                addresses.push(info.addr().clone());
            }
            let mut builder = SentinelClientBuilder::new(
                addresses,
                settings.sentinel_master.clone(),
                SentinelServerType::Master,
            )?;
            if let Some(password) = &settings.password {
                builder = builder.set_client_to_redis_password(password);
            }
            if let Some(password) = &settings.sentinel_password {
                builder = builder.set_client_to_sentinel_password(password);
            }
            let sentinel = builder.build()?;
            (
                Source::Sentinel(Box::new(tokio::sync::Mutex::new(sentinel))),
                None,
            )
        };
        let handle = Self {
            inner: Arc::new(Inner {
                settings: settings.clone(),
                config,
                source,
                current: RwLock::new(current),
                lookup: tokio::sync::Mutex::new(None),
            }),
        };
        if matches!(handle.inner.source, Source::Sentinel(_))
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(watch(Arc::downgrade(&handle.inner)));
        }
        Ok(handle)
    }

    /// Whether the handle follows a Sentinel set.
    pub fn is_sentinel(&self) -> bool {
        matches!(self.inner.source, Source::Sentinel(_))
    }

    fn current_now(&self) -> Option<Arc<Current>> {
        self.inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn current(&self) -> RedisResult<Arc<Current>> {
        if let Some(current) = self.current_now() {
            return Ok(current);
        }
        self.inner.lookup(0, false).await;
        self.current_now().ok_or_else(|| {
            RedisError::from((
                redis::ErrorKind::Io,
                "no Redis master known",
                "the sentinels could not be asked, or named none that answers as master".to_owned(),
            ))
        })
    }

    /// A client for the current master (asking the sentinels first if none is known yet), with the
    /// generation to pass to [`RedisHandle::failed`] when a connection made from it breaks.
    pub async fn client(&self) -> RedisResult<(u64, redis::Client)> {
        let current = self.current().await?;
        Ok((current.generation, current.client.clone()))
    }

    /// Reports that a connection of `generation` failed with `error`: with Sentinel, when the master may
    /// have moved, the sentinels are asked again (once, in the background).
    pub fn failed(&self, generation: u64, error: &RedisError) {
        if self.is_sentinel() && may_have_moved(error) {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.lookup(generation, false).await });
        }
    }

    /// Runs the writes of `pipe` and, when replicas must acknowledge (`REDIS_MIN_REPLICA_ACKS` > 0), a
    /// `WAIT` in the same pipeline, so on the same connection (`WAIT` counts only that connection's writes);
    /// the answers of the writes. Fewer acknowledgements than required is an error: the write may be lost
    /// in a failover, so the caller must not count it as done (and may write it again: every consumer of
    /// what we write is idempotent).
    pub async fn write_replicated(&self, mut pipe: Pipeline) -> RedisResult<Vec<Value>> {
        let s = &self.inner.settings;
        if s.min_replica_acks == 0 {
            return pipe.query_async(&mut self.clone()).await;
        }
        pipe.cmd("WAIT")
            .arg(s.min_replica_acks)
            .arg(u64::try_from(s.replica_ack_timeout.as_millis()).unwrap_or(u64::MAX));
        let mut values: Vec<Value> = pipe.query_async(&mut self.clone()).await?;
        let acks: i64 = match values.pop() {
            Some(v) => redis::from_redis_value(v)?,
            None => 0,
        };
        if acks < i64::from(s.min_replica_acks) {
            return Err(RedisError::from((
                redis::ErrorKind::Client,
                "too few replicas acknowledged the write",
                format!(
                    "{acks} of the {} required (REDIS_MIN_REPLICA_ACKS)",
                    s.min_replica_acks
                ),
            )));
        }
        Ok(values)
    }

    /// How many replicas must acknowledge a write that may not be lost (`REDIS_MIN_REPLICA_ACKS`).
    pub fn min_replica_acks(&self) -> u32 {
        self.inner.settings.min_replica_acks
    }

    fn report<T>(&self, generation: u64, result: &RedisResult<T>) {
        if let Err(error) = result {
            self.failed(generation, error);
        }
    }
}

impl Inner {
    /// Asks the sentinels where the master is and swaps the connection if it moved. `seen`: the generation
    /// whose failure triggered this (0: none known yet); `periodic`: the watcher's check. A lookup already
    /// running, a swap since `seen`, or one within `LOOKUP_GAP` makes a triggered lookup a no-op.
    async fn lookup(&self, seen: u64, periodic: bool) {
        let Source::Sentinel(sentinel) = &self.source else {
            return;
        };
        let generation = || {
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .map_or(0, |c| c.generation)
        };
        let Ok(mut last) = self.lookup.try_lock() else {
            // Someone is asking; wait for their answer rather than asking again.
            drop(self.lookup.lock().await);
            return;
        };
        if !periodic && (generation() != seen || last.is_some_and(|t| t.elapsed() < LOOKUP_GAP)) {
            return;
        }
        *last = Some(Instant::now());
        let found = tokio::time::timeout(LOOKUP_TIMEOUT, async {
            sentinel.lock().await.async_get_client().await
        })
        .await;
        let client = match found {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => {
                tracing::warn!(%error, "asking the Redis sentinels for the master failed");
                return;
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = LOOKUP_TIMEOUT.as_millis(),
                    "the Redis sentinels did not answer"
                );
                return;
            }
        };
        let address = client.get_connection_info().addr().to_string();
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|c| c.address == address) {
            return;
        }
        let conn =
            match ConnectionManager::new_lazy_with_config(client.clone(), self.config.clone()) {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "cannot open a connection to the Redis master");
                    return;
                }
            };
        let previous = current.as_ref().map(|c| c.address.clone());
        let generation = current.as_ref().map_or(0, |c| c.generation) + 1;
        *current = Some(Arc::new(Current {
            generation,
            address: address.clone(),
            client,
            conn,
        }));
        tracing::info!(redis.master = %address, redis.previous = ?previous, "using the Redis master the sentinels name");
    }
}

/// Asks the sentinels every `WATCH_EVERY` for as long as the handle lives, so a handle without traffic
/// (or whose master came back stale after a failover) never writes to an old master for long.
async fn watch(inner: Weak<Inner>) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        inner.lookup(0, true).await;
    }
}

impl ConnectionLike for RedisHandle {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let current = self.current().await?;
            let result = current.conn.clone().req_packed_command(cmd).await;
            self.report(current.generation, &result);
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let current = self.current().await?;
            let result = current
                .conn
                .clone()
                .req_packed_commands(pipeline, offset, count)
                .await;
            self.report(current.generation, &result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        0
    }
}
