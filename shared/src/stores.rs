//! Connections every service opens the same way: its MongoDB database and a reconnecting Redis connection.
//! Both are lazy, so a service starts (and answers `/readyz` with 503) while a dependency is still down.

use std::time::Duration;

/// How long a connection attempt or one command may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The service's database on `uri`, with bounded server selection so a request fails instead of hanging.
#[cfg(feature = "mongo")]
pub async fn mongo_database(
    uri: &str,
    db: &str,
    app_name: &str,
) -> mongodb::error::Result<mongodb::Database> {
    let mut options = mongodb::options::ClientOptions::parse(uri).await?;
    options.app_name = Some(app_name.to_owned());
    options.server_selection_timeout = Some(Duration::from_secs(5));
    options.connect_timeout = Some(CONNECT_TIMEOUT);
    #[cfg(feature = "actix")]
    {
        options.command_event_handler =
            Some(mongodb::event::EventHandler::callback(record_command));
    }
    Ok(mongodb::Client::with_options(options)?.database(db))
}

/// Store call latency for `/metrics`: every finished MongoDB command, by name and outcome.
#[cfg(all(feature = "mongo", feature = "actix"))]
fn record_command(event: mongodb::event::command::CommandEvent) {
    use mongodb::event::command::CommandEvent;
    let (name, outcome, duration) = match &event {
        CommandEvent::Succeeded(e) => (e.command_name.as_str(), "ok", e.duration),
        CommandEvent::Failed(e) => (e.command_name.as_str(), "error", e.duration),
        _ => return,
    };
    metrics::histogram!(
        crate::metrics::STORE_DURATION,
        "store" => "mongodb",
        "command" => command_label(name),
        "outcome" => outcome
    )
    .record(duration.as_secs_f64());
}

/// The command name as a bounded label.
#[cfg(all(feature = "mongo", feature = "actix"))]
fn command_label(name: &str) -> &'static str {
    const KNOWN: [&str; 16] = [
        "find",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "count",
        "distinct",
        "getMore",
        "killCursors",
        "createIndexes",
        "listIndexes",
        "drop",
        "dropDatabase",
        "ping",
        "hello",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == name)
        .unwrap_or("other")
}

/// A Redis connection that connects on first use and reconnects by itself.
#[cfg(feature = "redis")]
pub fn redis_connection(url: &str) -> redis::RedisResult<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url)?;
    // Few, short retries: while Redis is down a request should get its 503 in well under a second, not
    // wait through the default exponential back-off; the manager keeps reconnecting on later calls.
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(CONNECT_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    redis::aio::ConnectionManager::new_lazy_with_config(client, config)
}

/// A readiness probe that pings the database.
#[cfg(all(feature = "mongo", feature = "actix"))]
pub fn mongo_probe(db: &mongodb::Database) -> crate::http::Probe<'_> {
    let ping = db.run_command(mongodb::bson::doc! { "ping": 1 });
    (
        "mongo",
        Box::pin(async move { ping.await.map(drop).map_err(|e| e.to_string()) }),
    )
}

/// A readiness probe that sends Redis a `PING`.
#[cfg(all(feature = "redis", feature = "actix"))]
pub fn redis_probe(redis: &redis::aio::ConnectionManager) -> crate::http::Probe<'static> {
    let mut redis = redis.clone();
    (
        "redis",
        Box::pin(async move {
            redis::cmd("PING")
                .query_async::<String>(&mut redis)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }),
    )
}
