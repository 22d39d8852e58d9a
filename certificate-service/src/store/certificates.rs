//! `certificates`: one document per issued certificate. Unique by (user, course, generation): the
//! certificate a completion issues is generation 0, so a replayed `course.completed` cannot issue a second
//! one; a re-issue on request is the next generation. Revocation is one conditional update (only a
//! certificate not yet revoked), and the revoked documents' status numbers are the status list.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{DateTime as BsonDateTime, doc};
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use shared::stores::{Indexes, index, is_duplicate_key, to_bson, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertificateDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    user: ObjectId,
    course: ObjectId,
    generation: i32,
    status_number: i64,
    learner_name: Option<String>,
    course_title: String,
    /// The credential's JSON text, exactly as signed (`None` once the account is deleted).
    credential: Option<String>,
    jwt: Option<String>,
    kid: String,
    issued_at: BsonDateTime,
    completed_at: BsonDateTime,
    revoked_at: Option<BsonDateTime>,
    revocation_reason: Option<String>,
}

/// One certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: ObjectId,
    pub user: ObjectId,
    pub course: ObjectId,
    pub generation: i32,
    pub status_number: u64,
    pub learner_name: Option<String>,
    pub course_title: String,
    pub credential: Option<String>,
    pub jwt: Option<String>,
    pub kid: String,
    pub issued_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
}

impl From<CertificateDoc> for Certificate {
    fn from(d: CertificateDoc) -> Self {
        Self {
            id: d.id,
            user: d.user,
            course: d.course,
            generation: d.generation,
            status_number: u64::try_from(d.status_number).unwrap_or_default(),
            learner_name: d.learner_name,
            course_title: d.course_title,
            credential: d.credential,
            jwt: d.jwt,
            kid: d.kid,
            issued_at: to_chrono(d.issued_at),
            completed_at: to_chrono(d.completed_at),
            revoked_at: d.revoked_at.map(to_chrono),
            revocation_reason: d.revocation_reason,
        }
    }
}

impl From<&Certificate> for CertificateDoc {
    fn from(c: &Certificate) -> Self {
        Self {
            id: c.id,
            user: c.user,
            course: c.course,
            generation: c.generation,
            status_number: i64::try_from(c.status_number).unwrap_or(i64::MAX),
            learner_name: c.learner_name.clone(),
            course_title: c.course_title.clone(),
            credential: c.credential.clone(),
            jwt: c.jwt.clone(),
            kid: c.kid.clone(),
            issued_at: to_bson(c.issued_at),
            completed_at: to_bson(c.completed_at),
            revoked_at: c.revoked_at.map(to_bson),
            revocation_reason: c.revocation_reason.clone(),
        }
    }
}

/// Typed access to `certificates`.
#[derive(Clone)]
pub struct CertificateStore {
    coll: Collection<CertificateDoc>,
}

impl CertificateStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("certificates"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(
                    doc! { "user": 1, "course": 1, "generation": 1 },
                    "user_course_generation_unique",
                    true,
                ),
                index(doc! { "user": 1, "issuedAt": -1 }, "user_newest", false),
                index(doc! { "statusNumber": 1 }, "status_number_unique", true),
            ],
        )
    }

    /// Stores a new certificate; `false` when that (user, course, generation) exists already.
    pub async fn insert(&self, c: &Certificate) -> mongodb::error::Result<bool> {
        match self.coll.insert_one(CertificateDoc::from(c)).await {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn find(&self, id: ObjectId) -> mongodb::error::Result<Option<Certificate>> {
        Ok(self
            .coll
            .find_one(doc! { "_id": id })
            .await?
            .map(Into::into))
    }

    /// Whether a completion already issued the user's certificate for the course.
    pub async fn exists(
        &self,
        user: ObjectId,
        course: ObjectId,
        generation: i32,
    ) -> mongodb::error::Result<bool> {
        let filter = doc! { "user": user, "course": course, "generation": generation };
        Ok(self.coll.find_one(filter).await?.is_some())
    }

    /// A page of the user's certificates, newest first, and how many there are.
    pub async fn list_for_user(
        &self,
        user: ObjectId,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Certificate>, u64)> {
        let total = self.coll.count_documents(doc! { "user": user }).await?;
        let docs: Vec<CertificateDoc> = self
            .coll
            .find(doc! { "user": user })
            .sort(doc! { "issuedAt": -1, "_id": -1 })
            .skip(skip)
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        Ok((docs.into_iter().map(Into::into).collect(), total))
    }

    /// Revokes one certificate if it is not revoked yet; `true` if this call did.
    pub async fn revoke(&self, id: ObjectId, reason: &str) -> mongodb::error::Result<bool> {
        let res = self
            .coll
            .update_one(
                doc! { "_id": id, "revokedAt": null },
                doc! { "$set": { "revokedAt": BsonDateTime::now(), "revocationReason": reason } },
            )
            .await?;
        Ok(res.modified_count == 1)
    }

    /// Revokes every live certificate of the user for the course (a refund).
    pub async fn revoke_for_course(
        &self,
        user: ObjectId,
        course: ObjectId,
        reason: &str,
    ) -> mongodb::error::Result<u64> {
        let res = self
            .coll
            .update_many(
                doc! { "user": user, "course": course, "revokedAt": null },
                doc! { "$set": { "revokedAt": BsonDateTime::now(), "revocationReason": reason } },
            )
            .await?;
        Ok(res.modified_count)
    }

    /// A deleted account: every certificate revoked, and the name and credential erased (the status number
    /// stays, so copies held elsewhere still verify as revoked).
    pub async fn revoke_and_erase_user(
        &self,
        user: ObjectId,
        reason: &str,
    ) -> mongodb::error::Result<u64> {
        let res = self
            .coll
            .update_many(
                doc! { "user": user, "revokedAt": null },
                doc! { "$set": { "revokedAt": BsonDateTime::now(), "revocationReason": reason } },
            )
            .await?;
        self.coll
            .update_many(
                doc! { "user": user },
                doc! { "$set": { "credential": null, "jwt": null, "learnerName": null } },
            )
            .await?;
        Ok(res.modified_count)
    }

    /// The status numbers in `[from, to)` whose certificates are revoked.
    pub async fn revoked_numbers(&self, from: u64, to: u64) -> mongodb::error::Result<Vec<u64>> {
        let (from, to) = (
            i64::try_from(from).unwrap_or(i64::MAX),
            i64::try_from(to).unwrap_or(i64::MAX),
        );
        let docs: Vec<CertificateDoc> = self
            .coll
            .find(
                doc! { "statusNumber": { "$gte": from, "$lt": to }, "revokedAt": { "$ne": null } },
            )
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .filter_map(|d| u64::try_from(d.status_number).ok())
            .collect())
    }
}
