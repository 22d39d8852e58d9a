//! `issuer_keys`: the Ed25519 keys that sign certificates and status lists. The newest one signs; none is
//! ever unpublished, because a certificate has no expiry and must stay verifiable for as long as it exists.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use shared::stores::{Indexes, index, to_bson, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssuerKeyDoc {
    #[serde(rename = "_id")]
    kid: String,
    /// PKCS#8 document, base64 (standard alphabet).
    pkcs8: String,
    /// Public key bytes, base64url without padding (the JWK `x`).
    public_x: String,
    created_at: BsonDateTime,
}

/// One issuer key.
#[derive(Debug, Clone)]
pub struct IssuerKeyRecord {
    pub kid: String,
    pub pkcs8_b64: String,
    pub public_x: String,
    pub created_at: DateTime<Utc>,
}

/// Typed access to `issuer_keys`.
#[derive(Clone)]
pub struct IssuerKeyStore {
    coll: Collection<IssuerKeyDoc>,
}

impl IssuerKeyStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("issuer_keys"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![index(doc! { "createdAt": -1 }, "created_newest", false)],
        )
    }

    pub async fn insert(&self, key: &IssuerKeyRecord) -> mongodb::error::Result<()> {
        self.coll
            .insert_one(IssuerKeyDoc {
                kid: key.kid.clone(),
                pkcs8: key.pkcs8_b64.clone(),
                public_x: key.public_x.clone(),
                created_at: to_bson(key.created_at),
            })
            .await?;
        Ok(())
    }

    /// Every key, newest first (the first one signs).
    pub async fn list(&self) -> mongodb::error::Result<Vec<IssuerKeyRecord>> {
        let docs: Vec<IssuerKeyDoc> = self
            .coll
            .find(doc! {})
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| IssuerKeyRecord {
                kid: d.kid,
                pkcs8_b64: d.pkcs8,
                public_x: d.public_x,
                created_at: to_chrono(d.created_at),
            })
            .collect())
    }
}
