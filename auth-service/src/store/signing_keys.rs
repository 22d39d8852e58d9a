//! The `signing_keys` collection: Ed25519 keys that sign access tokens. The newest one signs; older ones
//! stay published until `retireAfter`, when every token they signed has expired.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{to_bson, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SigningKeyDoc {
    #[serde(rename = "_id")]
    kid: String,
    /// PKCS#8 document, base64 (standard alphabet).
    pkcs8: String,
    /// Public key bytes, base64url without padding (the JWK `x`).
    public_x: String,
    created_at: BsonDateTime,
    #[serde(default)]
    retire_after: Option<BsonDateTime>,
}

/// One signing key.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub pkcs8_b64: String,
    pub public_x: String,
    pub created_at: DateTime<Utc>,
    pub retire_after: Option<DateTime<Utc>>,
}

impl From<SigningKeyDoc> for SigningKeyRecord {
    fn from(d: SigningKeyDoc) -> Self {
        Self {
            kid: d.kid,
            pkcs8_b64: d.pkcs8,
            public_x: d.public_x,
            created_at: to_chrono(d.created_at),
            retire_after: d.retire_after.map(to_chrono),
        }
    }
}

/// Typed access to `signing_keys`.
#[derive(Clone)]
pub struct SigningKeyStore {
    coll: Collection<SigningKeyDoc>,
}

impl SigningKeyStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("signing_keys"),
        }
    }

    pub async fn insert(&self, key: &SigningKeyRecord) -> mongodb::error::Result<()> {
        let doc = SigningKeyDoc {
            kid: key.kid.clone(),
            pkcs8: key.pkcs8_b64.clone(),
            public_x: key.public_x.clone(),
            created_at: to_bson(key.created_at),
            retire_after: key.retire_after.map(to_bson),
        };
        self.coll.insert_one(doc).await?;
        Ok(())
    }

    /// Keys still published at `now`, newest first (the first one signs).
    pub async fn list_live(
        &self,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<Vec<SigningKeyRecord>> {
        let filter =
            doc! { "$or": [ { "retireAfter": null }, { "retireAfter": { "$gt": to_bson(now) } } ] };
        let docs: Vec<SigningKeyDoc> = self
            .coll
            .find(filter)
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Marks every key except `keep` to be unpublished after `retire_after`.
    pub async fn retire_all_but(
        &self,
        keep: &str,
        retire_after: DateTime<Utc>,
    ) -> mongodb::error::Result<u64> {
        let res = self
            .coll
            .update_many(
                doc! { "_id": { "$ne": keep }, "retireAfter": null },
                doc! { "$set": { "retireAfter": to_bson(retire_after) } },
            )
            .await?;
        Ok(res.modified_count)
    }

    pub async fn count(&self) -> mongodb::error::Result<u64> {
        self.coll.count_documents(doc! {}).await
    }
}

impl SigningKeyStore {
    /// Current time in BSON, for callers that need the same clock as the store.
    pub fn now() -> BsonDateTime {
        BsonDateTime::now()
    }
}
