//! The `purchases` collection. Every change of status is one conditional single-document update whose
//! filter names the statuses it may come from, so concurrent or repeated deliveries can never move a
//! purchase backwards or apply one transition twice.
//!
//! Indexes: one completed purchase per (user, course) (unique, partial on `status: completed` with a user);
//! one open checkout per (user, course) (`openKey`, unique and sparse: set only while a purchase is pending);
//! the session id (`paymentId`, unique, sparse), the payment intent, and the listing orders.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, Document, doc, oid::ObjectId};
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, Database, IndexModel};
use serde::{Deserialize, Serialize};

use crate::domain::{PurchaseStatus, Transition};
use shared::events::{PURCHASE_COMPLETED, PURCHASE_REFUNDED};
use shared::stores::{Indexes, index, is_duplicate_key, to_bson, to_chrono};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PurchaseDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    /// Absent once the user's account is deleted (the purchase stays for accounting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<ObjectId>,
    course: ObjectId,
    course_title: String,
    /// Integer cents.
    amount: i64,
    currency: String,
    status: String,
    payment_method: String,
    /// The Checkout Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_url: Option<String>,
    session_expires_at: BsonDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment_intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_id: Option<String>,
    #[serde(default)]
    refund_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_reason: Option<String>,
    /// `{user}:{course}` while pending: at most one open checkout per student and course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_key: Option<String>,
    /// A second payment for a course the student already owns (kept `expired`/`failed`, to be refunded).
    #[serde(default)]
    duplicate_payment: bool,
    #[serde(default)]
    anonymised: bool,
    /// Set with a completion (or the full refund of a completed purchase), cleared once its event is in the
    /// outbox: a crash between the two writes leaves it, and reconciliation writes the event then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unpublished: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<BsonDateTime>,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
}

/// A purchase as the rest of the service sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub id: String,
    /// `None` once anonymised.
    pub user_id: Option<String>,
    pub course_id: String,
    pub course_title: String,
    pub amount: i64,
    pub currency: String,
    pub status: PurchaseStatus,
    pub payment_method: String,
    pub payment_id: Option<String>,
    pub session_url: Option<String>,
    pub session_expires_at: DateTime<Utc>,
    pub payment_intent_id: Option<String>,
    pub refund_id: Option<String>,
    pub refund_amount: i64,
    pub refund_reason: Option<String>,
    pub duplicate_payment: bool,
    /// The topic of an event decided but not yet written to the outbox.
    pub unpublished: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A purchase about to be recorded.
#[derive(Debug, Clone)]
pub struct NewPurchase {
    pub user: ObjectId,
    pub course: ObjectId,
    pub course_title: String,
    pub amount: i64,
    pub currency: String,
    pub session_expires_at: DateTime<Utc>,
}

/// What a conditional transition did.
#[derive(Debug, Clone, PartialEq)]
pub enum TransitionOutcome {
    /// It applied; the purchase as it was just before.
    Applied(Box<Purchase>),
    /// The purchase is no longer in a status the transition may come from (someone else moved it).
    Raced,
    /// Completing would give the student a second completed purchase of the course.
    Duplicate,
}

/// Admin listing filters.
#[derive(Debug, Clone, Default)]
pub struct PurchaseFilter {
    pub status: Option<PurchaseStatus>,
    pub user: Option<ObjectId>,
    pub course: Option<ObjectId>,
}

/// Typed access to `purchases`.
#[derive(Clone)]
pub struct PurchaseStore {
    coll: Collection<PurchaseDoc>,
}

fn open_key(user: ObjectId, course: ObjectId) -> String {
    format!("{}:{}", user.to_hex(), course.to_hex())
}

fn statuses(from: &[PurchaseStatus]) -> Vec<&'static str> {
    from.iter().map(|s| s.as_str()).collect()
}

impl PurchaseStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("purchases"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        let unique_sparse = |keys: Document, name: &str| {
            IndexModel::builder()
                .keys(keys)
                .options(
                    IndexOptions::builder()
                        .name(name.to_owned())
                        .unique(true)
                        .sparse(true)
                        .build(),
                )
                .build()
        };
        let completed_once = IndexModel::builder()
            .keys(doc! { "user": 1, "course": 1 })
            .options(
                IndexOptions::builder()
                    .name("user_course_completed_unique".to_owned())
                    .unique(true)
                    // Partial: refunded, expired and anonymised purchases do not count.
                    .partial_filter_expression(
                        doc! { "status": "completed", "user": { "$exists": true } },
                    )
                    .build(),
            )
            .build();
        Indexes::on(
            &self.coll,
            vec![
                completed_once,
                unique_sparse(doc! { "openKey": 1 }, "open_key_unique"),
                unique_sparse(doc! { "paymentId": 1 }, "payment_id_unique"),
                index(doc! { "paymentIntentId": 1 }, "payment_intent", false),
                index(doc! { "user": 1, "createdAt": -1 }, "user_newest", false),
                index(doc! { "status": 1, "createdAt": 1 }, "status_oldest", false),
                index(doc! { "createdAt": -1 }, "newest", false),
            ],
        )
    }

    /// The names of the collection's indexes (tests wait for them).
    pub async fn index_names(&self) -> mongodb::error::Result<Vec<String>> {
        self.coll.list_index_names().await
    }

    /// Records a pending purchase; `Ok(None)` when the student already has an open one for the course.
    pub async fn insert_pending(
        &self,
        p: &NewPurchase,
    ) -> mongodb::error::Result<Option<Purchase>> {
        let now = BsonDateTime::now();
        let doc = PurchaseDoc {
            id: ObjectId::new(),
            user: Some(p.user),
            course: p.course,
            course_title: p.course_title.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            status: PurchaseStatus::Pending.as_str().to_owned(),
            payment_method: "stripe".to_owned(),
            payment_id: None,
            session_url: None,
            session_expires_at: to_bson(p.session_expires_at),
            payment_intent_id: None,
            refund_id: None,
            refund_amount: 0,
            refund_reason: None,
            open_key: Some(open_key(p.user, p.course)),
            duplicate_payment: false,
            anonymised: false,
            unpublished: None,
            completed_at: None,
            created_at: now,
            updated_at: now,
        };
        match self.coll.insert_one(&doc).await {
            Ok(_) => Ok(Some(to_purchase(doc))),
            Err(e) if is_duplicate_key(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records a free course as completed at once; `Ok(None)` when the student already owns it.
    pub async fn insert_free(&self, p: &NewPurchase) -> mongodb::error::Result<Option<Purchase>> {
        let now = BsonDateTime::now();
        let doc = PurchaseDoc {
            id: ObjectId::new(),
            user: Some(p.user),
            course: p.course,
            course_title: p.course_title.clone(),
            amount: 0,
            currency: p.currency.clone(),
            status: PurchaseStatus::Completed.as_str().to_owned(),
            payment_method: "free".to_owned(),
            payment_id: None,
            session_url: None,
            session_expires_at: now,
            payment_intent_id: None,
            refund_id: None,
            refund_amount: 0,
            refund_reason: None,
            open_key: None,
            duplicate_payment: false,
            anonymised: false,
            unpublished: Some(PURCHASE_COMPLETED.to_owned()),
            completed_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        match self.coll.insert_one(&doc).await {
            Ok(_) => Ok(Some(to_purchase(doc))),
            Err(e) if is_duplicate_key(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records the Checkout Session of a pending purchase (a concurrent caller may have done it already).
    pub async fn set_session(
        &self,
        id: &str,
        session_id: &str,
        url: Option<&str>,
    ) -> mongodb::error::Result<()> {
        let Some(oid) = super::object_id(id) else {
            return Ok(());
        };
        let result = self
            .coll
            .update_one(
                doc! { "_id": oid, "paymentId": { "$exists": false } },
                doc! { "$set": {
                    "paymentId": session_id,
                    "sessionUrl": url,
                    "updatedAt": BsonDateTime::now(),
                } },
            )
            .await;
        match result {
            Err(e) if !is_duplicate_key(&e) => Err(e),
            _ => Ok(()),
        }
    }

    pub async fn find_by_id(&self, id: &str) -> mongodb::error::Result<Option<Purchase>> {
        let Some(oid) = super::object_id(id) else {
            return Ok(None);
        };
        self.find_one(doc! { "_id": oid }).await
    }

    pub async fn find_by_session(
        &self,
        session_id: &str,
    ) -> mongodb::error::Result<Option<Purchase>> {
        self.find_one(doc! { "paymentId": session_id }).await
    }

    pub async fn find_by_payment_intent(
        &self,
        pi: &str,
    ) -> mongodb::error::Result<Option<Purchase>> {
        self.find_one(doc! { "paymentIntentId": pi }).await
    }

    /// The student's open (pending) purchase of a course.
    pub async fn find_open(
        &self,
        user: ObjectId,
        course: ObjectId,
    ) -> mongodb::error::Result<Option<Purchase>> {
        self.find_one(doc! { "openKey": open_key(user, course) })
            .await
    }

    /// The student's purchase of a course that matters most: completed, else the newest.
    pub async fn find_for_user_course(
        &self,
        user: ObjectId,
        course: ObjectId,
    ) -> mongodb::error::Result<Option<Purchase>> {
        let completed = self
            .find_one(doc! { "user": user, "course": course, "status": "completed" })
            .await?;
        if completed.is_some() {
            return Ok(completed);
        }
        let newest = self
            .coll
            .find_one(doc! { "user": user, "course": course })
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .await?;
        Ok(newest.map(to_purchase))
    }

    async fn find_one(&self, filter: Document) -> mongodb::error::Result<Option<Purchase>> {
        Ok(self.coll.find_one(filter).await?.map(to_purchase))
    }

    /// Applies a transition computed from a snapshot, atomically re-checking its preconditions.
    pub async fn apply(
        &self,
        id: &str,
        transition: &Transition,
    ) -> mongodb::error::Result<TransitionOutcome> {
        let Some(oid) = super::object_id(id) else {
            return Ok(TransitionOutcome::Raced);
        };
        let now = BsonDateTime::now();
        // Each candidate is one conditional update; the first that matches applies the transition.
        let candidates: Vec<(Document, Document)> = match transition {
            Transition::None => return Ok(TransitionOutcome::Raced),
            Transition::NotePaymentIntent(pi) => vec![(
                doc! { "_id": oid, "status": "pending" },
                doc! { "$set": { "paymentIntentId": pi, "updatedAt": now } },
            )],
            Transition::Complete {
                from,
                payment_intent,
            } => {
                let mut set = doc! {
                    "status": "completed",
                    "completedAt": now,
                    "updatedAt": now,
                    "unpublished": PURCHASE_COMPLETED,
                };
                if let Some(pi) = payment_intent {
                    set.insert("paymentIntentId", pi);
                }
                vec![(
                    doc! { "_id": oid, "status": { "$in": statuses(from) } },
                    doc! { "$set": set, "$unset": { "openKey": "" } },
                )]
            }
            Transition::Fail | Transition::Expire => {
                let to = if *transition == Transition::Fail {
                    "failed"
                } else {
                    "expired"
                };
                vec![(
                    doc! { "_id": oid, "status": "pending" },
                    doc! { "$set": { "status": to, "updatedAt": now }, "$unset": { "openKey": "" } },
                )]
            }
            Transition::Refund { from, change } => {
                let update = |set: Document| {
                    doc! {
                        "$set": set,
                        "$max": { "refundAmount": change.refund_amount },
                        "$unset": { "openKey": "" },
                    }
                };
                let mut grows = vec![doc! { "refundAmount": { "$lt": change.refund_amount } }];
                let mut set = doc! { "updatedAt": now };
                let mut candidates = Vec::new();
                if change.full {
                    grows.push(doc! { "status": { "$ne": "refunded" } });
                    set.insert("status", "refunded");
                    // Ending a completed purchase ends an enrolment: its event is marked unpublished in the
                    // same write, like a completion's.
                    let mut ending = set.clone();
                    ending.insert("unpublished", PURCHASE_REFUNDED);
                    candidates.push((doc! { "_id": oid, "status": "completed" }, update(ending)));
                }
                let others: Vec<&str> = statuses(from)
                    .into_iter()
                    .filter(|s| !change.full || *s != "completed")
                    .collect();
                candidates.push((
                    doc! { "_id": oid, "status": { "$in": others }, "$or": grows },
                    update(set),
                ));
                candidates
            }
        };
        let mut result = Ok(None);
        for (filter, update) in candidates {
            result = self
                .coll
                .find_one_and_update(filter, update)
                .return_document(ReturnDocument::Before)
                .await;
            if !matches!(result, Ok(None)) {
                break;
            }
        }
        match result {
            Ok(Some(before)) => Ok(TransitionOutcome::Applied(Box::new(to_purchase(before)))),
            Ok(None) => Ok(TransitionOutcome::Raced),
            Err(e) if is_duplicate_key(&e) => Ok(TransitionOutcome::Duplicate),
            Err(e) => Err(e),
        }
    }

    /// Notes that the event of the purchase's last completion or refund is in the outbox.
    pub async fn mark_published(&self, id: &str) -> mongodb::error::Result<()> {
        let Some(oid) = super::object_id(id) else {
            return Ok(());
        };
        self.coll
            .update_one(
                doc! { "_id": oid, "unpublished": { "$exists": true } },
                doc! { "$unset": { "unpublished": "" } },
            )
            .await?;
        Ok(())
    }

    /// Purchases whose completion or refund event was never written (the process stopped in between),
    /// last changed before `before`; the topic is in [`Purchase::unpublished`].
    pub async fn unpublished_before(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> mongodb::error::Result<Vec<Purchase>> {
        let docs: Vec<PurchaseDoc> = self
            .coll
            .find(doc! {
                "unpublished": { "$exists": true },
                "updatedAt": { "$lt": to_bson(before) },
            })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(to_purchase).collect())
    }

    /// Flags a payment that could not complete because the student already owns the course.
    pub async fn mark_duplicate_payment(
        &self,
        id: &str,
        payment_intent: Option<&str>,
    ) -> mongodb::error::Result<()> {
        let Some(oid) = super::object_id(id) else {
            return Ok(());
        };
        let mut set = doc! { "duplicatePayment": true, "updatedAt": BsonDateTime::now() };
        if let Some(pi) = payment_intent {
            set.insert("paymentIntentId", pi);
        }
        self.coll
            .update_one(
                doc! { "_id": oid },
                doc! { "$set": set, "$unset": { "openKey": "" } },
            )
            .await?;
        Ok(())
    }

    /// Records the refund an admin asked Stripe for (the webhook that follows moves the status).
    pub async fn note_refund_request(
        &self,
        id: &str,
        refund_id: &str,
        reason: Option<&str>,
    ) -> mongodb::error::Result<()> {
        let Some(oid) = super::object_id(id) else {
            return Ok(());
        };
        self.coll
            .update_one(
                doc! { "_id": oid },
                doc! { "$set": {
                    "refundId": refund_id,
                    "refundReason": reason,
                    "updatedAt": BsonDateTime::now(),
                } },
            )
            .await?;
        Ok(())
    }

    /// One page of purchases matching `filter`, newest first, and the total.
    pub async fn list(
        &self,
        filter: &PurchaseFilter,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Purchase>, u64)> {
        let mut query = doc! {};
        if let Some(status) = filter.status {
            query.insert("status", status.as_str());
        }
        if let Some(user) = filter.user {
            query.insert("user", user);
        }
        if let Some(course) = filter.course {
            query.insert("course", course);
        }
        self.page(query, skip, limit).await
    }

    /// One page of a student's completed purchases, newest first, and the total.
    pub async fn list_completed_for_user(
        &self,
        user: ObjectId,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Purchase>, u64)> {
        self.page(doc! { "user": user, "status": "completed" }, skip, limit)
            .await
    }

    async fn page(
        &self,
        filter: Document,
        skip: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<Purchase>, u64)> {
        let total = self.coll.count_documents(filter.clone()).await?;
        let docs: Vec<PurchaseDoc> = self
            .coll
            .find(filter)
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .skip(skip)
            .limit(i64::try_from(limit).unwrap_or(100))
            .await?
            .try_collect()
            .await?;
        Ok((docs.into_iter().map(to_purchase).collect(), total))
    }

    /// Purchases still pending that were created before `before`, oldest first.
    pub async fn stale_pending(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> mongodb::error::Result<Vec<Purchase>> {
        let docs: Vec<PurchaseDoc> = self
            .coll
            .find(doc! { "status": "pending", "createdAt": { "$lt": to_bson(before) } })
            .sort(doc! { "createdAt": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(to_purchase).collect())
    }

    /// Removes the user from their purchases, keeping amounts and statuses for accounting.
    pub async fn anonymise_user(&self, user: ObjectId) -> mongodb::error::Result<u64> {
        let result = self
            .coll
            .update_many(
                doc! { "user": user },
                doc! {
                    "$set": { "anonymised": true, "updatedAt": BsonDateTime::now() },
                    "$unset": { "user": "", "openKey": "" },
                },
            )
            .await?;
        Ok(result.modified_count)
    }
}

fn to_purchase(d: PurchaseDoc) -> Purchase {
    Purchase {
        id: d.id.to_hex(),
        user_id: d.user.map(|u| u.to_hex()),
        course_id: d.course.to_hex(),
        course_title: d.course_title,
        amount: d.amount,
        currency: d.currency,
        status: d.status.parse().unwrap_or(PurchaseStatus::Pending),
        payment_method: d.payment_method,
        payment_id: d.payment_id,
        session_url: d.session_url,
        session_expires_at: to_chrono(d.session_expires_at),
        payment_intent_id: d.payment_intent_id,
        refund_id: d.refund_id,
        refund_amount: d.refund_amount,
        refund_reason: d.refund_reason,
        duplicate_payment: d.duplicate_payment,
        unpublished: d.unpublished,
        completed_at: d.completed_at.map(to_chrono),
        created_at: to_chrono(d.created_at),
        updated_at: to_chrono(d.updated_at),
    }
}
