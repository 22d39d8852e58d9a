//! Redis Streams events against a real Redis: delivery, acknowledgement, retry, reclaim and poison entries.

#![cfg(feature = "events")]

use std::time::Duration;

use redis::AsyncCommands as _;
use shared::events::{
    Consumer, ConsumerConfig, EventEnvelope, PURCHASE_COMPLETED, Publisher, PurchaseCompleted,
    RawEvent, USER_DELETED, UserDeleted, stream_key,
};
use shared::redis_handle::RedisHandle;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

const GROUP: &str = "test-group";

/// A fresh key prefix on the test Redis; its keys are deleted on drop, even when the test fails.
struct TestRedis {
    client: redis::Client,
    conn: RedisHandle,
    prefix: String,
}

impl TestRedis {
    async fn new() -> Self {
        let url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let client = redis::Client::open(url.as_str())
            .unwrap_or_else(|e| panic!("invalid REDIS_URL {url}: {e}"));
        // No skipping: these tests exist to prove behaviour against a real server.
        let mut conn = RedisHandle::from_url(&url).unwrap();
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .unwrap_or_else(|e| {
                panic!("Redis at {url} is unreachable ({e}); start it or set REDIS_URL")
            });
        let prefix = format!("test_{}:", uuid::Uuid::new_v4().simple());
        Self {
            client,
            conn,
            prefix,
        }
    }

    fn publisher(&self) -> Publisher {
        Publisher::new(self.conn.clone(), self.prefix.clone())
    }

    fn config(&self, name: &str, topics: &[&str]) -> ConsumerConfig {
        let mut config = ConsumerConfig::new(&self.prefix, GROUP, topics.iter().copied())
            .with_consumer_name(name);
        config.block_ms = 200;
        config.claim_idle_ms = 300;
        config
    }

    /// Starts a consumer whose handler reports each event and answers with `outcome`.
    async fn start(
        &self,
        config: ConsumerConfig,
        outcome: fn(&RawEvent) -> Result<(), String>,
    ) -> (
        mpsc::UnboundedReceiver<RawEvent>,
        watch::Sender<bool>,
        JoinHandle<()>,
    ) {
        let consumer = Consumer::new(&self.conn, config).await.unwrap();
        consumer.ensure_groups().await.unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop, shutdown) = watch::channel(false);
        let handler = move |event: RawEvent| {
            let result = outcome(&event);
            let _ = tx.send(event);
            async move { result }
        };
        (rx, stop, tokio::spawn(consumer.run(handler, shutdown)))
    }

    async fn pending(&self, topic: &str) -> usize {
        let reply: redis::streams::StreamPendingReply = self
            .conn
            .clone()
            .xpending(stream_key(&self.prefix, topic), GROUP)
            .await
            .unwrap();
        reply.count()
    }

    async fn wait_for_pending(&self, topic: &str, expected: usize) {
        for _ in 0..50 {
            if self.pending(topic).await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "pending count never reached {expected} (now {})",
            self.pending(topic).await
        );
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        // Synchronous connection: Drop cannot await.
        if let Ok(mut conn) = self.client.get_connection() {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.prefix))
                .query(&mut conn)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
            }
        }
    }
}

fn purchase() -> EventEnvelope<PurchaseCompleted> {
    EventEnvelope::new(
        PURCHASE_COMPLETED,
        PurchaseCompleted {
            purchase_id: "p1".into(),
            user_id: "u1".into(),
            course_id: "c1".into(),
            amount_cents: 1999,
            currency: "usd".into(),
        },
    )
}

async fn next(rx: &mut mpsc::UnboundedReceiver<RawEvent>) -> RawEvent {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("no event within 5 s")
        .expect("consumer ended")
}

async fn stop(stop: watch::Sender<bool>, task: JoinHandle<()>) {
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("consumer did not stop")
        .unwrap();
}

#[tokio::test]
async fn a_published_event_is_handled_once_and_acknowledged() {
    let redis = TestRedis::new().await;
    let (mut rx, stop_tx, task) = redis
        .start(redis.config("c1", &[PURCHASE_COMPLETED]), |_| Ok(()))
        .await;
    let envelope = purchase();
    let entry_id = redis
        .publisher()
        .publish(PURCHASE_COMPLETED, &envelope)
        .await
        .unwrap();

    let event = next(&mut rx).await;
    assert_eq!(event.entry_id, entry_id);
    assert_eq!(event.topic, PURCHASE_COMPLETED);
    assert_eq!(event.event_id(), envelope.id);
    assert_eq!(
        event.payload::<PurchaseCompleted>().unwrap(),
        envelope.payload
    );
    redis.wait_for_pending(PURCHASE_COMPLETED, 0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        rx.try_recv().is_err(),
        "an acknowledged event is not redelivered"
    );
    stop(stop_tx, task).await;
}

#[tokio::test]
async fn a_failed_event_stays_pending_is_retried_and_is_reclaimed_by_another_consumer() {
    let redis = TestRedis::new().await;
    let (mut failing, stop_failing, task) = redis
        .start(redis.config("failing", &[USER_DELETED]), |_| {
            Err("db down".into())
        })
        .await;
    let envelope = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: "u9".into(),
            role: "student".into(),
        },
    );
    redis
        .publisher()
        .publish(USER_DELETED, &envelope)
        .await
        .unwrap();

    let first = next(&mut failing).await;
    assert_eq!(first.event_id(), envelope.id);
    assert_eq!(
        redis.pending(USER_DELETED).await,
        1,
        "not acknowledged after a failure"
    );
    let retry = next(&mut failing).await;
    assert_eq!(
        retry.entry_id, first.entry_id,
        "retried after claim_idle_ms"
    );
    stop(stop_failing, task).await;
    assert_eq!(redis.pending(USER_DELETED).await, 1);

    let (mut healthy, stop_healthy, task) = redis
        .start(redis.config("healthy", &[USER_DELETED]), |_| Ok(()))
        .await;
    let reclaimed = next(&mut healthy).await;
    assert_eq!(reclaimed.entry_id, first.entry_id);
    assert_eq!(reclaimed.payload::<UserDeleted>().unwrap().user_id, "u9");
    redis.wait_for_pending(USER_DELETED, 0).await;
    stop(stop_healthy, task).await;
}

#[tokio::test]
async fn an_event_published_before_the_group_exists_is_still_delivered() {
    let redis = TestRedis::new().await;
    let envelope = purchase();
    redis
        .publisher()
        .publish(PURCHASE_COMPLETED, &envelope)
        .await
        .unwrap();

    let (mut rx, stop_tx, task) = redis
        .start(redis.config("late", &[PURCHASE_COMPLETED]), |_| Ok(()))
        .await;
    assert_eq!(next(&mut rx).await.event_id(), envelope.id);
    redis.wait_for_pending(PURCHASE_COMPLETED, 0).await;
    stop(stop_tx, task).await;
}

#[tokio::test]
async fn malformed_entries_are_acknowledged_and_skipped() {
    let redis = TestRedis::new().await;
    let key = stream_key(&redis.prefix, PURCHASE_COMPLETED);
    let mut conn = redis.conn.clone();
    let _: String = conn
        .xadd(&key, "*", &[("event", "not json")])
        .await
        .unwrap();
    let _: String = conn.xadd(&key, "*", &[("other", "field")]).await.unwrap();
    let wrong_topic =
        serde_json::to_string(&EventEnvelope::new(USER_DELETED, serde_json::json!({}))).unwrap();
    let _: String = conn
        .xadd(&key, "*", &[("event", wrong_topic)])
        .await
        .unwrap();
    let envelope = purchase();
    redis
        .publisher()
        .publish(PURCHASE_COMPLETED, &envelope)
        .await
        .unwrap();

    let (mut rx, stop_tx, task) = redis
        .start(redis.config("c1", &[PURCHASE_COMPLETED]), |_| Ok(()))
        .await;
    let event = next(&mut rx).await;
    assert_eq!(
        event.event_id(),
        envelope.id,
        "only the valid event reaches the handler"
    );
    redis.wait_for_pending(PURCHASE_COMPLETED, 0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.try_recv().is_err(), "poison entries are not retried");
    stop(stop_tx, task).await;
}

#[tokio::test]
async fn the_publisher_refuses_an_envelope_for_another_topic() {
    let redis = TestRedis::new().await;
    let err = redis
        .publisher()
        .publish(USER_DELETED, &purchase())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
    let value = serde_json::to_value(purchase()).unwrap();
    let id = redis
        .publisher()
        .publish_value(PURCHASE_COMPLETED, &value)
        .await
        .unwrap();
    assert!(id.contains('-'));
}
