//! Connections every service opens the same way: its MongoDB database and a reconnecting Redis connection.
//! Both are lazy, so a service starts (and answers `/readyz` with 503) while a dependency is still down.
//! With them, what every store repeats: index declarations and BSON conversions.

use std::time::Duration;

#[cfg(feature = "mongo")]
mod convert;
#[cfg(feature = "mongo")]
mod indexes;

#[cfg(feature = "mongo")]
pub use convert::{now, object_id, to_bson, to_chrono};
#[cfg(feature = "mongo")]
pub use indexes::{IndexError, Indexes, ensure_indexes, index, ttl_index};

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

/// The `/readyz` check that names the MongoDB database.
pub const MONGODB_CHECK: &str = "mongodb";
/// The `/readyz` check that names Redis.
pub const REDIS_CHECK: &str = "redis";

/// MongoDB's code for a duplicate-key violation.
#[cfg(feature = "mongo")]
const DUPLICATE_KEY: i32 = 11000;

/// Whether a MongoDB error is a duplicate-key violation (code 11000), in whichever shape the driver
/// reports it: a single write's error, a command error, an `insert_many` or a `bulk_write` failure (a
/// write error or a write-concern error in any of them).
#[cfg(feature = "mongo")]
pub fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == DUPLICATE_KEY,
        ErrorKind::Write(WriteFailure::WriteConcernError(e)) => e.code == DUPLICATE_KEY,
        ErrorKind::Command(e) => e.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(e) => {
            e.write_errors
                .as_ref()
                .is_some_and(|errs| errs.iter().any(|w| w.code == DUPLICATE_KEY))
                || e.write_concern_error
                    .as_ref()
                    .is_some_and(|w| w.code == DUPLICATE_KEY)
        }
        ErrorKind::BulkWrite(e) => {
            e.write_errors.values().any(|w| w.code == DUPLICATE_KEY)
                || e.write_concern_errors
                    .iter()
                    .any(|w| w.code == DUPLICATE_KEY)
        }
        _ => false,
    }
}

/// A readiness probe that pings the database.
#[cfg(all(feature = "mongo", feature = "actix"))]
pub fn mongo_probe(db: &mongodb::Database) -> crate::http::Probe<'_> {
    let ping = db.run_command(mongodb::bson::doc! { "ping": 1 });
    (
        MONGODB_CHECK,
        Box::pin(async move { ping.await.map(drop).map_err(|e| e.to_string()) }),
    )
}

/// A readiness probe that sends Redis a `PING`.
#[cfg(all(feature = "redis", feature = "actix"))]
pub fn redis_probe(redis: &crate::redis_handle::RedisHandle) -> crate::http::Probe<'static> {
    let mut redis = redis.clone();
    (
        REDIS_CHECK,
        Box::pin(async move {
            redis::cmd("PING")
                .query_async::<String>(&mut redis)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }),
    )
}

#[cfg(all(test, feature = "mongo"))]
#[expect(clippy::expect_used, reason = "test set-up fails loudly")]
mod tests {
    use mongodb::bson::doc;
    use mongodb::error::{
        BulkWriteError, CommandError, Error, ErrorKind, IndexedWriteError, InsertManyError,
        WriteConcernError, WriteError, WriteFailure,
    };

    use super::is_duplicate_key;

    fn parse<T: serde::de::DeserializeOwned>(doc: mongodb::bson::Document) -> T {
        mongodb::bson::from_document(doc).expect("a valid error document")
    }

    fn shapes(code: i32) -> Vec<Error> {
        let write: WriteError = parse(doc! { "code": code, "errmsg": "E11000 duplicate key" });
        let concern: WriteConcernError =
            parse(doc! { "code": code, "codeName": "X", "errmsg": "m" });
        let indexed: IndexedWriteError =
            parse(doc! { "index": 0, "code": code, "errmsg": "E11000 duplicate key" });
        let command: CommandError =
            parse(doc! { "code": code, "codeName": "DuplicateKey", "errmsg": "E11000" });
        let insert_many: InsertManyError =
            parse(doc! { "writeErrors": [mongodb::bson::to_document(&indexed).expect("bson")] });
        let insert_many_concern: InsertManyError = parse(
            doc! { "writeConcernError": mongodb::bson::to_document(&concern).expect("bson") },
        );
        let mut bulk = BulkWriteError::default();
        bulk.write_errors.insert(3, write.clone());
        let mut bulk_concern = BulkWriteError::default();
        bulk_concern.write_concern_errors.push(concern.clone());
        vec![
            ErrorKind::Write(WriteFailure::WriteError(write)).into(),
            ErrorKind::Write(WriteFailure::WriteConcernError(concern)).into(),
            ErrorKind::Command(command).into(),
            ErrorKind::InsertMany(insert_many).into(),
            ErrorKind::InsertMany(insert_many_concern).into(),
            ErrorKind::BulkWrite(bulk).into(),
            ErrorKind::BulkWrite(bulk_concern).into(),
        ]
    }

    #[test]
    fn code_11000_is_found_in_every_error_shape_and_nothing_else_is() {
        for err in shapes(11000) {
            assert!(is_duplicate_key(&err), "{err:?}");
        }
        for err in shapes(11001) {
            assert!(!is_duplicate_key(&err), "{err:?}");
        }
        let io: Error = ErrorKind::Io(std::sync::Arc::new(std::io::Error::other("x"))).into();
        assert!(!is_duplicate_key(&io));
    }
}
