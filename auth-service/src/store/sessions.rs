//! The `sessions` collection: one document per refresh-session family. Only hashes of refresh tokens are
//! stored; the current token, the one it replaced (for the grace window) and older ones (to detect reuse).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{Indexes, index, to_bson, to_chrono, ttl_index};

/// How many superseded token hashes a session remembers for reuse detection.
const USED_HASHES_KEPT: i32 = 50;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionDoc {
    #[serde(rename = "_id")]
    id: String,
    user_id: String,
    /// Per-session key that derives each successor token from the one it replaces.
    secret: String,
    token_hash: String,
    #[serde(default)]
    previous_hash: Option<String>,
    #[serde(default)]
    rotated_at: Option<BsonDateTime>,
    #[serde(default)]
    used_hashes: Vec<String>,
    created_at: BsonDateTime,
    last_used_at: BsonDateTime,
    expires_at: BsonDateTime,
    absolute_expires_at: BsonDateTime,
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    ip: Option<String>,
}

/// A refresh session as the service sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub secret: String,
    pub token_hash: String,
    pub previous_hash: Option<String>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub absolute_expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl From<SessionDoc> for Session {
    fn from(d: SessionDoc) -> Self {
        Self {
            id: d.id,
            user_id: d.user_id,
            secret: d.secret,
            token_hash: d.token_hash,
            previous_hash: d.previous_hash,
            rotated_at: d.rotated_at.map(to_chrono),
            created_at: to_chrono(d.created_at),
            last_used_at: to_chrono(d.last_used_at),
            expires_at: to_chrono(d.expires_at),
            absolute_expires_at: to_chrono(d.absolute_expires_at),
            user_agent: d.user_agent,
            ip: d.ip,
        }
    }
}

/// What a new sign-in stores.
pub struct NewSession {
    pub id: String,
    pub user_id: String,
    pub secret: String,
    pub token_hash: String,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub absolute_expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// One rotation: replace `from_hash` by `to_hash` if it is still current.
pub struct Rotation<'a> {
    pub session_id: &'a str,
    pub from_hash: &'a str,
    pub to_hash: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Typed access to `sessions`.
#[derive(Clone)]
pub struct SessionStore {
    coll: Collection<SessionDoc>,
}

impl SessionStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("sessions"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(doc! { "tokenHash": 1 }, "token_hash_unique", true),
                index(doc! { "previousHash": 1 }, "previous_hash", false),
                index(doc! { "usedHashes": 1 }, "used_hashes", false),
                index(
                    doc! { "userId": 1, "createdAt": -1 },
                    "user_sessions",
                    false,
                ),
                ttl_index("expiresAt", "expires_ttl", Duration::ZERO),
            ],
        )
    }

    pub async fn insert(&self, new: NewSession) -> mongodb::error::Result<()> {
        let now = to_bson(new.now);
        let doc = SessionDoc {
            id: new.id,
            user_id: new.user_id,
            secret: new.secret,
            token_hash: new.token_hash,
            previous_hash: None,
            rotated_at: None,
            used_hashes: Vec::new(),
            created_at: now,
            last_used_at: now,
            expires_at: to_bson(new.expires_at),
            absolute_expires_at: to_bson(new.absolute_expires_at),
            user_agent: new.user_agent,
            ip: new.ip,
        };
        self.coll.insert_one(doc).await?;
        Ok(())
    }

    /// The session a presented token hash belongs to: as current, previous, or an older one.
    pub async fn find_by_any_hash(&self, hash: &str) -> mongodb::error::Result<Option<Session>> {
        let filter = doc! { "$or": [ { "tokenHash": hash }, { "previousHash": hash }, { "usedHashes": hash } ] };
        Ok(self.coll.find_one(filter).await?.map(Into::into))
    }

    /// Compare-and-swap rotation; `false` when another request rotated the token first.
    pub async fn rotate(&self, r: Rotation<'_>) -> mongodb::error::Result<bool> {
        let res = self
            .coll
            .update_one(
                doc! { "_id": r.session_id, "tokenHash": r.from_hash },
                doc! {
                    "$set": {
                        "tokenHash": r.to_hash,
                        "previousHash": r.from_hash,
                        "rotatedAt": to_bson(r.now),
                        "lastUsedAt": to_bson(r.now),
                        "expiresAt": to_bson(r.expires_at),
                    },
                    "$push": { "usedHashes": { "$each": [r.from_hash], "$slice": -USED_HASHES_KEPT } },
                },
            )
            .await?;
        Ok(res.modified_count == 1)
    }

    /// Sessions of a user that have not expired, newest first.
    pub async fn list_for_user(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> mongodb::error::Result<Vec<Session>> {
        let docs: Vec<SessionDoc> = self
            .coll
            .find(doc! { "userId": user_id, "expiresAt": { "$gt": to_bson(now) } })
            .sort(doc! { "createdAt": -1 })
            .limit(200)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Ends one session of a user; `false` if it is not theirs or does not exist.
    pub async fn delete_for_user(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> mongodb::error::Result<bool> {
        Ok(self
            .coll
            .delete_one(doc! { "_id": session_id, "userId": user_id })
            .await?
            .deleted_count
            == 1)
    }

    /// Ends a session family (theft, expiry).
    pub async fn delete(&self, session_id: &str) -> mongodb::error::Result<()> {
        self.coll.delete_one(doc! { "_id": session_id }).await?;
        Ok(())
    }

    /// Ends every session of a user, optionally keeping one.
    pub async fn delete_all_for_user(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> mongodb::error::Result<u64> {
        let mut filter = doc! { "userId": user_id };
        if let Some(keep) = keep {
            filter.insert("_id", doc! { "$ne": keep });
        }
        Ok(self.coll.delete_many(filter).await?.deleted_count)
    }
}
