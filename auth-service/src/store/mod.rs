//! MongoDB storage, one file per collection. BSON document types never leave this module.

mod api_keys;
mod reset_tokens;
mod sessions;
mod signing_keys;
mod users;

use anyhow::Context;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

pub use api_keys::{ApiKey, ApiKeyStore};
pub use reset_tokens::ResetTokenStore;
pub use sessions::{NewSession, Rotation, Session, SessionStore};
pub use shared::outbox::{OutboxEntry, OutboxStore};
pub use signing_keys::{SigningKeyRecord, SigningKeyStore};
pub use users::{NewUser, ProfileChanges, UserFilter, UserStore};

/// Every collection of the service's database.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    pub users: UserStore,
    pub sessions: SessionStore,
    pub reset_tokens: ResetTokenStore,
    pub api_keys: ApiKeyStore,
    pub signing_keys: SigningKeyStore,
    pub outbox: OutboxStore,
}

impl Store {
    pub fn new(db: Database) -> Self {
        Self {
            users: UserStore::new(&db),
            sessions: SessionStore::new(&db),
            reset_tokens: ResetTokenStore::new(&db),
            api_keys: ApiKeyStore::new(&db),
            signing_keys: SigningKeyStore::new(&db),
            outbox: OutboxStore::new(&db),
            db,
        }
    }

    /// Creates every index, idempotently, with stable names.
    pub async fn ensure_indexes(&self) -> anyhow::Result<()> {
        self.users
            .ensure_indexes()
            .await
            .context("creating users indexes")?;
        self.sessions
            .ensure_indexes()
            .await
            .context("creating sessions indexes")?;
        self.reset_tokens
            .ensure_indexes()
            .await
            .context("creating password_resets indexes")?;
        self.api_keys
            .ensure_indexes()
            .await
            .context("creating api_keys indexes")?;
        self.outbox
            .ensure_indexes()
            .await
            .context("creating outbox indexes")?;
        Ok(())
    }
}

/// Builds an index model with a stable name.
fn index(keys: mongodb::bson::Document, name: &str, unique: bool) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .unique(unique.then_some(true))
        .build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// A TTL index that removes a document when its `field` time has passed.
fn ttl_index(field: &str, name: &str) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .expire_after(std::time::Duration::from_secs(0))
        .build();
    IndexModel::builder()
        .keys(doc! { field: 1 })
        .options(options)
        .build()
}

async fn create_indexes<T: Send + Sync>(
    coll: &Collection<T>,
    models: Vec<IndexModel>,
) -> anyhow::Result<()> {
    coll.create_indexes(models).await?;
    Ok(())
}

/// Converts a BSON time to chrono.
fn to_chrono(t: BsonDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

/// Converts a chrono time to BSON.
fn to_bson(t: chrono::DateTime<chrono::Utc>) -> BsonDateTime {
    BsonDateTime::from_millis(t.timestamp_millis())
}

/// Parses an ObjectId hex string; `None` for anything malformed.
pub fn object_id(id: &str) -> Option<mongodb::bson::oid::ObjectId> {
    mongodb::bson::oid::ObjectId::parse_str(id).ok()
}
