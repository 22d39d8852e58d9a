//! The `identities` collection: which account an OpenID provider's user (issuer, subject) signs in to.
//! Keyed uniquely by (issuer, subject), never by e-mail: an address can change hands or be unverified.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, doc, oid::ObjectId};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use shared::stores::{Indexes, index, object_id, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentityDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    user_id: String,
    /// The configured provider id at link time (the issuer is what identifies it).
    provider: String,
    issuer: String,
    subject: String,
    /// The address the provider reported when linking, for the user's list only.
    #[serde(default)]
    email: Option<String>,
    /// Whether a trusted provider vouched for the account's own address when linking (its
    /// `email_verified`): such an identity survives a password reset, any other is removed by it.
    #[serde(default)]
    email_vouched: bool,
    created_at: BsonDateTime,
    last_used_at: BsonDateTime,
}

/// A linked identity.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: String,
    pub user_id: String,
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_vouched: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

impl From<IdentityDoc> for Identity {
    fn from(d: IdentityDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            user_id: d.user_id,
            provider: d.provider,
            issuer: d.issuer,
            subject: d.subject,
            email: d.email,
            email_vouched: d.email_vouched,
            created_at: to_chrono(d.created_at),
            last_used_at: to_chrono(d.last_used_at),
        }
    }
}

/// What linking stores.
pub struct NewIdentity<'a> {
    pub user_id: &'a str,
    pub provider: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    /// A trusted provider verified this address, and it is the account's.
    pub email_vouched: bool,
}

/// Typed access to `identities`.
#[derive(Clone)]
pub struct IdentityStore {
    coll: Collection<IdentityDoc>,
}

impl IdentityStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("identities"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(
                    doc! { "issuer": 1, "subject": 1 },
                    "issuer_subject_unique",
                    true,
                ),
                index(
                    doc! { "userId": 1, "createdAt": -1 },
                    "user_identities",
                    false,
                ),
            ],
        )
    }

    /// Links an identity; one already linked (to anyone) surfaces as a duplicate-key error.
    pub async fn insert(&self, new: NewIdentity<'_>) -> mongodb::error::Result<Identity> {
        let now = BsonDateTime::now();
        let doc = IdentityDoc {
            id: ObjectId::new(),
            user_id: new.user_id.to_owned(),
            provider: new.provider.to_owned(),
            issuer: new.issuer.to_owned(),
            subject: new.subject.to_owned(),
            email: new.email.map(str::to_owned),
            email_vouched: new.email_vouched,
            created_at: now,
            last_used_at: now,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    /// The identity of (issuer, subject), recording its use.
    pub async fn find_and_touch(
        &self,
        issuer: &str,
        subject: &str,
    ) -> mongodb::error::Result<Option<Identity>> {
        Ok(self
            .coll
            .find_one_and_update(
                doc! { "issuer": issuer, "subject": subject },
                doc! { "$set": { "lastUsedAt": BsonDateTime::now() } },
            )
            .await?
            .map(Into::into))
    }

    pub async fn list_for_user(&self, user_id: &str) -> mongodb::error::Result<Vec<Identity>> {
        let docs: Vec<IdentityDoc> = self
            .coll
            .find(doc! { "userId": user_id })
            .sort(doc! { "createdAt": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    pub async fn count_for_user(&self, user_id: &str) -> mongodb::error::Result<u64> {
        self.coll.count_documents(doc! { "userId": user_id }).await
    }

    /// Unlinks one identity of this user; `false` if it is not theirs.
    pub async fn delete_for_user(&self, user_id: &str, id: &str) -> mongodb::error::Result<bool> {
        let Some(oid) = object_id(id) else {
            return Ok(false);
        };
        let res = self
            .coll
            .delete_one(doc! { "_id": oid, "userId": user_id })
            .await?;
        Ok(res.deleted_count == 1)
    }

    /// Removes one identity whatever its owner (it pointed at an account that no longer exists).
    pub async fn delete(&self, id: &str) -> mongodb::error::Result<()> {
        if let Some(oid) = object_id(id) {
            self.coll.delete_one(doc! { "_id": oid }).await?;
        }
        Ok(())
    }

    /// Every identity of a user (the account is being deleted).
    pub async fn delete_all_for_user(&self, user_id: &str) -> mongodb::error::Result<u64> {
        Ok(self
            .coll
            .delete_many(doc! { "userId": user_id })
            .await?
            .deleted_count)
    }

    /// The identities of a user that no trusted provider vouched the account's address for: a completed
    /// password reset proves the address, and whoever linked these may not be its owner (the account was
    /// made or linked before anyone proved it).
    pub async fn delete_unvouched_for_user(&self, user_id: &str) -> mongodb::error::Result<u64> {
        Ok(self
            .coll
            .delete_many(doc! { "userId": user_id, "emailVouched": { "$ne": true } })
            .await?
            .deleted_count)
    }
}
