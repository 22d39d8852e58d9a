//! The `api_keys` collection: hashed API keys with owner, name and last use.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{Indexes, index, object_id, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    user_id: String,
    name: String,
    /// The first characters of the key, shown in lists so a user can tell keys apart.
    prefix: String,
    key_hash: String,
    created_at: BsonDateTime,
    #[serde(default)]
    last_used_at: Option<BsonDateTime>,
}

/// An API key's metadata (never the key itself).
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyDoc> for ApiKey {
    fn from(d: ApiKeyDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            user_id: d.user_id,
            name: d.name,
            prefix: d.prefix,
            key_hash: d.key_hash,
            created_at: to_chrono(d.created_at),
            last_used_at: d.last_used_at.map(to_chrono),
        }
    }
}

/// Typed access to `api_keys`.
#[derive(Clone)]
pub struct ApiKeyStore {
    coll: Collection<ApiKeyDoc>,
}

impl ApiKeyStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("api_keys"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(doc! { "keyHash": 1 }, "key_hash_unique", true),
                index(doc! { "userId": 1, "createdAt": -1 }, "user_keys", false),
            ],
        )
    }

    pub async fn insert(
        &self,
        user_id: &str,
        name: &str,
        prefix: &str,
        key_hash: &str,
    ) -> mongodb::error::Result<ApiKey> {
        let doc = ApiKeyDoc {
            id: ObjectId::new(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            prefix: prefix.to_owned(),
            key_hash: key_hash.to_owned(),
            created_at: BsonDateTime::now(),
            last_used_at: None,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    pub async fn list_for_user(&self, user_id: &str) -> mongodb::error::Result<Vec<ApiKey>> {
        let docs: Vec<ApiKeyDoc> = self
            .coll
            .find(doc! { "userId": user_id })
            .sort(doc! { "createdAt": -1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Deletes a key of this user and returns it; `None` if it is not theirs.
    pub async fn delete_for_user(
        &self,
        user_id: &str,
        key_id: &str,
    ) -> mongodb::error::Result<Option<ApiKey>> {
        let Some(oid) = object_id(key_id) else {
            return Ok(None);
        };
        Ok(self
            .coll
            .find_one_and_delete(doc! { "_id": oid, "userId": user_id })
            .await?
            .map(Into::into))
    }

    /// Every key of a user (for revocation announcements when the account goes away).
    pub async fn delete_all_for_user(&self, user_id: &str) -> mongodb::error::Result<Vec<ApiKey>> {
        let keys = self.list_for_user(user_id).await?;
        self.coll.delete_many(doc! { "userId": user_id }).await?;
        Ok(keys)
    }

    /// Looks a key up by hash and records its use.
    pub async fn resolve(&self, key_hash: &str) -> mongodb::error::Result<Option<ApiKey>> {
        let found = self
            .coll
            .find_one_and_update(
                doc! { "keyHash": key_hash },
                doc! { "$set": { "lastUsedAt": BsonDateTime::now() } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        Ok(found.map(Into::into))
    }
}
