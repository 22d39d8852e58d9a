//! Drop guards for what a test creates outside its process: a MongoDB database, Redis keys under a prefix,
//! and a media directory. Each removes its thing when dropped, also when the test panics.

use std::future::Future;
use std::path::{Path, PathBuf};

use crate::env::{required_env, run_id};

/// Runs `clean_up` to completion on a runtime of its own, on a thread of its own. A guard is dropped on
/// the test's runtime thread, which is blocked while `drop` runs (so the services' clients, which live on
/// that runtime, cannot be used), and a runtime cannot be started inside another on the same thread.
fn on_own_runtime<F>(clean_up: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let _ = std::thread::spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(clean_up),
            Err(e) => eprintln!("test clean-up: no runtime: {e}"),
        }
    })
    .join();
}

/// A fresh MongoDB database `test_<uuid>` on the test server (`MONGO_URI`), dropped with the guard.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    uri: String,
}

impl TestDatabase {
    /// A new, unique database name (`test_<uuid>`); nothing is created until a service writes.
    pub fn new() -> Self {
        Self::named(format!("test_{}", run_id()))
    }

    /// Guards a database a service was told to use by name (e.g. `test_<run_id>` of `base_vars`).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            uri: required_env("MONGO_URI"),
        }
    }

    /// The database name, for `MONGO_DB`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The MongoDB URI it lives on, for `MONGO_URI`.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A handle on the database through a client of the test's own (to seed or inspect documents).
    pub async fn handle(&self) -> mongodb::Database {
        mongodb::Client::with_uri_str(&self.uri)
            .await
            .expect("MONGO_URI is not a valid MongoDB URI")
            .database(&self.name)
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (uri, name) = (self.uri.clone(), self.name.clone());
        on_own_runtime(async move {
            if let Ok(client) = mongodb::Client::with_uri_str(&uri).await {
                let _ = client.database(&name).drop().await;
            }
        });
    }
}

/// A fresh Redis key prefix `test:<uuid>:` on the test Redis (`REDIS_URL`); every key under it is deleted
/// with the guard (`KEYS prefix*`, then `DEL`: fine for the few keys of one test).
#[derive(Debug)]
pub struct RedisPrefix {
    prefix: String,
    url: String,
}

impl RedisPrefix {
    /// A new, unique prefix on `REDIS_URL`.
    pub fn new() -> Self {
        Self::for_run(&run_id())
    }

    /// The prefix `base_vars(run_id, ..)` gives a service: `test:<run_id>:`.
    pub fn for_run(run_id: &str) -> Self {
        Self {
            prefix: format!("test:{run_id}:"),
            url: required_env("REDIS_URL"),
        }
    }

    /// The same prefix, cleaned on another Redis (a test's own server).
    #[must_use]
    pub fn on(mut self, redis_url: impl Into<String>) -> Self {
        self.url = redis_url.into();
        self
    }

    /// The prefix, for `REDIS_PREFIX`.
    pub fn as_str(&self) -> &str {
        &self.prefix
    }

    /// The Redis URL the keys live on.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Default for RedisPrefix {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for RedisPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefix)
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let (url, pattern) = (self.url.clone(), format!("{}*", self.prefix));
        on_own_runtime(async move {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            // A test's own Redis may be stopped already: nothing to clean there.
            let Ok(Ok(mut redis)) = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                client.get_multiplexed_async_connection(),
            )
            .await
            else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query_async(&mut redis)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut redis).await;
            }
        });
    }
}

/// A fresh directory under the system temp dir (`<label>-<uuid>`) for a service's `MEDIA_DIR`, removed
/// with everything in it when the guard drops. The directory itself is created by the service.
#[derive(Debug)]
pub struct MediaDir {
    path: PathBuf,
}

impl MediaDir {
    /// A new, unique path `<tmp>/<label>-<uuid>` (not created).
    pub fn new(label: &str) -> Self {
        Self {
            path: std::env::temp_dir().join(format!("{label}-{}", run_id())),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory as text, for `MEDIA_DIR`.
    pub fn as_str(&self) -> &str {
        self.path.to_str().expect("the temp dir path is not UTF-8")
    }
}

impl Drop for MediaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
