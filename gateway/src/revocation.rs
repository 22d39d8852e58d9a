//! Revoked tokens as the gateway sees them: an in-process copy of auth-service's revocation state, fed by
//! Redis pub/sub so a logout reaches every replica at once, and rebuilt from Redis (the source of truth)
//! on every (re)subscription. While the subscription is down the copy may be stale, so every check goes to
//! Redis instead; if Redis cannot answer either, the caller gets 503 rather than a possibly revoked pass.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use futures_util::StreamExt;
use shared::claims::AccessClaims;
use shared::redis_handle::RedisHandle;
use shared::revocation::{Revocation, channel, is_before, not_before_key, revoked_jti_key};

/// The longest a check may wait on Redis when the local copy cannot be trusted.
const LOOKUP_TIMEOUT: Duration = Duration::from_millis(500);
/// How often a live subscription checks that the handle still points at the master it subscribed to.
const MASTER_CHECK: Duration = Duration::from_millis(500);
/// Pause between attempts to (re)subscribe.
const RESUBSCRIBE_DELAY: Duration = Duration::from_millis(250);

/// Why a check could not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

/// What the listener tells the rest of the gateway besides token revocations.
pub type KeyRevokedHook = Box<dyn Fn(&str) + Send + Sync>;

/// Cheap to clone: clones share the copy and the listener.
#[derive(Clone)]
pub struct Revocations {
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    redis: RedisHandle,
    /// Revoked `jti` → the token's `exp` (after which the entry is useless).
    jtis: RwLock<HashMap<String, i64>>,
    /// User id → "not before" in seconds.
    not_before: RwLock<HashMap<String, i64>>,
    /// The subscription is up and the copy was rebuilt after it came up.
    live: AtomicBool,
    on_key_revoked: RwLock<Vec<KeyRevokedHook>>,
}

impl Revocations {
    /// An empty, not yet live copy; [`Revocations::spawn_listener`] makes it live.
    pub fn new(redis: RedisHandle, prefix: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                prefix: prefix.to_owned(),
                redis,
                jtis: RwLock::default(),
                not_before: RwLock::default(),
                live: AtomicBool::new(false),
                on_key_revoked: RwLock::default(),
            }),
        }
    }

    /// Runs `hook(key_hash)` whenever an API key is announced revoked (the key cache drops it).
    pub fn on_key_revoked(&self, hook: KeyRevokedHook) {
        self.inner
            .on_key_revoked
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hook);
    }

    /// Whether the local copy is being kept current (the API key cache is only used while it is).
    pub fn is_live(&self) -> bool {
        self.inner.live.load(Ordering::Acquire)
    }

    /// Whether the token has been revoked, by its `jti` or by its user's "not before".
    pub async fn is_revoked(&self, claims: &AccessClaims) -> Result<bool, Unavailable> {
        if self.is_live() {
            let revoked = self.inner.is_revoked_locally(claims);
            crate::metrics::revocation_check("copy", verdict(Ok(revoked)));
            return Ok(revoked);
        }
        let result = self.inner.is_revoked_in_redis(claims).await;
        crate::metrics::revocation_check("redis", verdict(result));
        result
    }

    /// Subscribes and keeps the copy current for as long as the process lives, resubscribing (and
    /// reloading) after every disconnection, and whenever the Redis handle moves to another master.
    pub fn spawn_listener(&self) {
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            // Not current until the first subscription has rebuilt it.
            let mut stale_since = std::time::Instant::now();
            loop {
                let Some(strong) = inner.upgrade() else {
                    return;
                };
                let redis = strong.redis.clone();
                match redis.client().await {
                    Ok((generation, client)) => {
                        if let Err(error) = strong.listen(&client, generation).await {
                            tracing::warn!(%error, "revocation subscription lost; checks go to Redis until it is back");
                            redis.failed(generation, &error);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "no Redis to subscribe to; checks go to Redis until it is back");
                    }
                }
                if strong.live.swap(false, Ordering::AcqRel) {
                    stale_since = std::time::Instant::now();
                }
                drop(strong);
                crate::metrics::revocation_copy_age(stale_since.elapsed());
                tokio::time::sleep(RESUBSCRIBE_DELAY).await;
            }
        });
    }
}

/// A check's result as a metrics label.
fn verdict(result: Result<bool, Unavailable>) -> &'static str {
    match result {
        Ok(false) => "valid",
        Ok(true) => "revoked",
        Err(Unavailable) => "unavailable",
    }
}

impl Inner {
    fn is_revoked_locally(&self, claims: &AccessClaims) -> bool {
        let jtis = self.jtis.read().unwrap_or_else(PoisonError::into_inner);
        if jtis.contains_key(&claims.jti) {
            return true;
        }
        drop(jtis);
        let not_before = self
            .not_before
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        is_before(claims.iat, not_before.get(&claims.sub).copied())
    }

    async fn is_revoked_in_redis(&self, claims: &AccessClaims) -> Result<bool, Unavailable> {
        let keys = [
            revoked_jti_key(&self.prefix, &claims.jti),
            not_before_key(&self.prefix, &claims.sub),
        ];
        let mut redis = self.redis.clone();
        let mut mget = redis::cmd("MGET");
        mget.arg(&keys);
        let lookup = mget.query_async::<(Option<String>, Option<i64>)>(&mut redis);
        match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
            Ok(Ok((jti, not_before))) => Ok(jti.is_some() || is_before(claims.iat, not_before)),
            Ok(Err(error)) => {
                tracing::warn!(%error, "revocation lookup failed");
                Err(Unavailable)
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = LOOKUP_TIMEOUT.as_millis(),
                    "revocation lookup timed out"
                );
                Err(Unavailable)
            }
        }
    }

    /// One subscription's life: subscribe, rebuild the copy, then apply announcements until it ends.
    /// One subscription, made from `client` (of the handle's `generation`), until it breaks or the handle
    /// has moved to another master.
    async fn listen(&self, client: &redis::Client, generation: u64) -> redis::RedisResult<()> {
        let mut pubsub = client.get_async_pubsub().await?;
        // Subscribe before loading so that nothing announced during the load is missed.
        pubsub.subscribe(channel(&self.prefix)).await?;
        self.reload().await?;
        self.live.store(true, Ordering::Release);
        crate::metrics::revocation_copy_age(Duration::ZERO);
        tracing::info!("revocation subscription live");
        let mut messages = pubsub.on_message();
        let mut prune = tokio::time::interval(Duration::from_secs(60));
        let mut moved = tokio::time::interval(MASTER_CHECK);
        loop {
            tokio::select! {
                _ = moved.tick() => {
                    if self.redis.client().await.is_ok_and(|(now, _)| now != generation) {
                        tracing::info!("the Redis master moved; resubscribing");
                        return Ok(());
                    }
                }
                msg = messages.next() => {
                    let Some(msg) = msg else { break };
                    match msg.get_payload::<String>().ok().and_then(|p| serde_json::from_str(&p).ok()) {
                        Some(revocation) => self.apply(revocation),
                        None => tracing::warn!("ignoring a malformed revocation announcement"),
                    }
                }
                _ = prune.tick() => self.prune(),
            }
        }
        Err(redis::RedisError::from((
            redis::ErrorKind::Io,
            "the revocation subscription ended",
        )))
    }

    fn apply(&self, revocation: Revocation) {
        match revocation {
            Revocation::Token { jti, exp } => {
                self.jtis
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(jti, exp);
            }
            Revocation::User {
                user_id,
                not_before,
            } => {
                let mut map = self
                    .not_before
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                let entry = map.entry(user_id).or_insert(not_before);
                *entry = (*entry).max(not_before);
            }
            Revocation::ApiKey { key_hash, .. } => {
                let hooks = self
                    .on_key_revoked
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                for hook in hooks.iter() {
                    hook(&key_hash);
                }
            }
        }
    }

    /// Rebuilds the copy from Redis: every revoked `jti` (with its remaining life) and every "not before".
    async fn reload(&self) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        let now = chrono::Utc::now().timestamp();
        let jti_prefix = revoked_jti_key(&self.prefix, "");
        let user_prefix = not_before_key(&self.prefix, "");
        let mut jtis = HashMap::new();
        let mut not_before = HashMap::new();
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}revoked:*", self.prefix))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut redis)
                .await?;
            for key in keys {
                if let Some(jti) = key.strip_prefix(&jti_prefix) {
                    let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut redis).await?;
                    jtis.insert(jti.to_owned(), now + ttl.max(1));
                } else if let Some(user) = key.strip_prefix(&user_prefix) {
                    let value: Option<i64> =
                        redis::cmd("GET").arg(&key).query_async(&mut redis).await?;
                    if let Some(nb) = value {
                        not_before.insert(user.to_owned(), nb);
                    }
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        tracing::debug!(
            jtis = jtis.len(),
            users = not_before.len(),
            "revocation copy reloaded"
        );
        *self.jtis.write().unwrap_or_else(PoisonError::into_inner) = jtis;
        *self
            .not_before
            .write()
            .unwrap_or_else(PoisonError::into_inner) = not_before;
        Ok(())
    }

    /// Drops revoked `jti`s whose tokens have expired anyway, and "not before" times older than any
    /// token could live (a day is far beyond the longest configurable lifetime).
    fn prune(&self) {
        let now = chrono::Utc::now().timestamp();
        self.jtis
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, exp| *exp >= now);
        self.not_before
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, nb| *nb >= now - 24 * 3600);
    }
}
