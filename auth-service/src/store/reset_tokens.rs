//! The `password_resets` collection: hashed single-use reset tokens with a TTL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{Indexes, index, to_bson, ttl_index};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResetDoc {
    /// SHA-256 of the token (the raw token exists only in the e-mail).
    #[serde(rename = "_id")]
    hash: String,
    user_id: String,
    expires_at: BsonDateTime,
    created_at: BsonDateTime,
}

/// Typed access to `password_resets`.
#[derive(Clone)]
pub struct ResetTokenStore {
    coll: Collection<ResetDoc>,
}

impl ResetTokenStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("password_resets"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(doc! { "userId": 1 }, "user_resets", false),
                ttl_index("expiresAt", "expires_ttl", Duration::ZERO),
            ],
        )
    }

    pub async fn insert(
        &self,
        hash: &str,
        user_id: &str,
        expires_at: DateTime<Utc>,
    ) -> mongodb::error::Result<()> {
        let doc = ResetDoc {
            hash: hash.to_owned(),
            user_id: user_id.to_owned(),
            expires_at: to_bson(expires_at),
            created_at: BsonDateTime::now(),
        };
        self.coll.insert_one(doc).await?;
        Ok(())
    }

    /// Consumes a token atomically: returns its user if it existed and had not expired.
    pub async fn consume(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<Option<String>> {
        let found = self
            .coll
            .find_one_and_delete(doc! { "_id": hash, "expiresAt": { "$gt": to_bson(now) } })
            .await?;
        Ok(found.map(|d| d.user_id))
    }

    /// Removes every outstanding token of a user (after a successful reset).
    pub async fn delete_for_user(&self, user_id: &str) -> mongodb::error::Result<()> {
        self.coll.delete_many(doc! { "userId": user_id }).await?;
        Ok(())
    }
}
