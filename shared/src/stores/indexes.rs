//! Indexes as each store declares them, with stable names (tests and deployed databases know them), and
//! the start-up step that creates them all. A failure names its collection, so a service's `Store` lists
//! its collections once instead of wrapping each call in its own context.

use std::time::Duration;

use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

/// One collection's indexes, created by [`ensure_indexes`].
pub struct Indexes {
    coll: Collection<Document>,
    models: Vec<IndexModel>,
}

impl Indexes {
    /// The `models` of `coll`.
    pub fn on<T: Send + Sync>(coll: &Collection<T>, models: Vec<IndexModel>) -> Self {
        Self {
            coll: coll.clone_with_type(),
            models,
        }
    }
}

/// Creating a collection's indexes failed.
#[derive(Debug, thiserror::Error)]
#[error("creating {collection} indexes")]
pub struct IndexError {
    collection: String,
    #[source]
    source: mongodb::error::Error,
}

/// Creates every collection's indexes, idempotently, one collection after another.
pub async fn ensure_indexes(all: impl IntoIterator<Item = Indexes>) -> Result<(), IndexError> {
    for Indexes { coll, models } in all {
        coll.create_indexes(models)
            .await
            .map_err(|source| IndexError {
                collection: coll.name().to_owned(),
                source,
            })?;
    }
    Ok(())
}

/// An index on `keys` named `name`.
pub fn index(keys: Document, name: &str, unique: bool) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .unique(unique.then_some(true))
        .build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// A TTL index: the server removes a document `after` its `field` time.
pub fn ttl_index(field: &str, name: &str, after: Duration) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .expire_after(after)
        .build();
    IndexModel::builder()
        .keys(doc! { field: 1 })
        .options(options)
        .build()
}
