//! The review write paths, each paired with its change to the course's rating aggregate. A write that
//! changes whether (or with how many stars) a review counts is a compare-and-set on the review as the
//! writer read it (re-read and retried when another write landed first), and exactly the writer whose
//! swap landed applies the matching `RatingDelta` with atomic increments: concurrent writes chain instead
//! of overwriting each other, and the aggregate is never recomputed on a request. A crash
//! between the two writes leaves drift, which [`repair`] finds and fixes.

use mongodb::bson::oid::ObjectId;
use serde::Serialize;

use crate::domain::{Histogram, RatingDelta, Stars};
use crate::store::{
    Review, Store, edit_update, is_duplicate_key, moderation_update, object_id, refund_update,
};

/// Why a review could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the user has already reviewed this course")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] mongodb::error::Error),
}

async fn apply(store: &Store, review: &Review, delta: RatingDelta) -> mongodb::error::Result<()> {
    if delta.is_zero() {
        return Ok(());
    }
    if let Some(course) = object_id(&review.course_id) {
        store.courses.apply_rating(course, delta).await?;
    }
    Ok(())
}

/// A new review, counted at once (its author is enrolled, so a verified purchase).
pub async fn create(
    store: &Store,
    course: ObjectId,
    user: ObjectId,
    rating: Stars,
    comment: String,
) -> Result<Review, WriteError> {
    let review = match store.reviews.insert(course, user, rating, comment).await {
        Ok(review) => review,
        Err(e) if is_duplicate_key(&e) => return Err(WriteError::Duplicate),
        Err(e) => return Err(e.into()),
    };
    apply(store, &review, RatingDelta::added(rating)).await?;
    Ok(review)
}

/// How often a write re-reads a review another writer changed under it before giving up (each retry
/// means someone else's write landed, so this is never reached but under a storm on one review).
const ATTEMPTS: usize = 16;

fn contended() -> mongodb::error::Error {
    mongodb::error::Error::custom("a review kept changing under a write; gave up")
}

/// The author edits their review; `None` when it is not theirs (or gone).
pub async fn edit(
    store: &Store,
    id: ObjectId,
    author: ObjectId,
    rating: Option<Stars>,
    comment: Option<String>,
) -> mongodb::error::Result<Option<Review>> {
    for _ in 0..ATTEMPTS {
        let Some(current) = store.reviews.find(id).await? else {
            return Ok(None);
        };
        if current.user_id != author.to_hex() {
            return Ok(None);
        }
        let update = edit_update(rating, comment.as_deref());
        if !store.reviews.swap(&current, update).await? {
            continue;
        }
        let stars = rating.unwrap_or(current.rating);
        if current.counted() && current.rating != stars {
            apply(store, &current, RatingDelta::changed(current.rating, stars)).await?;
        }
        return store.reviews.find(id).await;
    }
    Err(contended())
}

/// Deletes a review; `None` when it was already gone.
pub async fn delete(store: &Store, id: ObjectId) -> mongodb::error::Result<Option<Review>> {
    for _ in 0..ATTEMPTS {
        let Some(current) = store.reviews.find(id).await? else {
            return Ok(None);
        };
        if !store.reviews.remove(&current).await? {
            continue;
        }
        if current.counted() {
            apply(store, &current, RatingDelta::removed(current.rating)).await?;
        }
        return Ok(Some(current));
    }
    Err(contended())
}

/// A moderator hides (`Some((reason, admin))`) or shows a review; the review as it now is, `None` when
/// it is gone. Hiding a hidden review (or showing a visible one) changes nothing.
pub async fn moderate(
    store: &Store,
    id: ObjectId,
    hide: Option<(&str, ObjectId)>,
) -> mongodb::error::Result<Option<Review>> {
    for _ in 0..ATTEMPTS {
        let Some(current) = store.reviews.find(id).await? else {
            return Ok(None);
        };
        if current.hidden.is_some() == hide.is_some() {
            return Ok(Some(current));
        }
        if !store
            .reviews
            .swap(&current, moderation_update(hide)?)
            .await?
        {
            continue;
        }
        // Only a review that is not refunded enters or leaves the aggregate.
        if !current.refunded {
            let delta = if hide.is_some() {
                RatingDelta::removed(current.rating)
            } else {
                RatingDelta::added(current.rating)
            };
            apply(store, &current, delta).await?;
        }
        return store.reviews.find(id).await;
    }
    Err(contended())
}

/// A refund (`refunded`) or a new purchase after one (`!refunded`) of `course` by `user`.
pub async fn purchase_changed(
    store: &Store,
    course: ObjectId,
    user: ObjectId,
    refunded: bool,
) -> mongodb::error::Result<()> {
    for _ in 0..ATTEMPTS {
        let Some(current) = store.reviews.find_by(course, user).await? else {
            return Ok(());
        };
        if current.refunded == refunded {
            return Ok(());
        }
        if !store
            .reviews
            .swap(&current, refund_update(refunded))
            .await?
        {
            continue;
        }
        if current.hidden.is_none() {
            let delta = if refunded {
                RatingDelta::removed(current.rating)
            } else {
                RatingDelta::added(current.rating)
            };
            apply(store, &current, delta).await?;
        }
        return Ok(());
    }
    Err(contended())
}

/// Removes every review of a deleted account.
pub async fn user_deleted(store: &Store, user: ObjectId) -> mongodb::error::Result<usize> {
    let mut removed = 0;
    for review in store.reviews.by_user(user).await? {
        if let Some(id) = object_id(&review.id)
            && delete(store, id).await?.is_some()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// One course whose stored aggregate differed from its reviews.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub course_id: String,
    /// Star counts stored on the course, one star first.
    pub stored: [i64; 5],
    /// Star counts of its counted reviews.
    pub actual: [i64; 5],
    /// Whether the stored aggregate was replaced (not when a review changed during the check).
    pub repaired: bool,
}

/// What a repair run found.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RepairReport {
    pub checked: usize,
    pub drift: Vec<Drift>,
}

/// How long a drift must persist before it is repaired: a write between its review and its increment
/// shows as drift for a moment, and must not be "fixed" and then counted again.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Recomputes every reviewed course's aggregate from its reviews and replaces the stored one where they
/// differ twice in a row, `SETTLE` apart, with the same stored value (conditional on it, so a review
/// written meanwhile is never lost). Logs and reports each drift.
pub async fn repair(store: &Store) -> mongodb::error::Result<RepairReport> {
    let mut report = RepairReport::default();
    for course in store.reviews.courses().await? {
        report.checked += 1;
        let Some(first) = drift(store, course).await? else {
            continue;
        };
        tokio::time::sleep(SETTLE).await;
        let repaired = match drift(store, course).await? {
            Some(again) if again == first => {
                store.courses.set_rating(course, first.0, first.1).await?
            }
            _ => false,
        };
        tracing::warn!(course.id = %course.to_hex(), stored = ?first.0.0, actual = ?first.1.0, repaired, "rating aggregate drift");
        report.drift.push(Drift {
            course_id: course.to_hex(),
            stored: first.0.0,
            actual: first.1.0,
            repaired,
        });
    }
    Ok(report)
}

/// `(stored, actual)` when a course's stored aggregate is not what its reviews say.
async fn drift(
    store: &Store,
    course: ObjectId,
) -> mongodb::error::Result<Option<(Histogram, Histogram)>> {
    let Some(stored) = store.courses.find_by_id(course).await? else {
        return Ok(None);
    };
    let actual = store.reviews.histogram(course).await?;
    // A crash between the increments and the average's update leaves the average stale.
    let average_stale =
        (stored.rating_average - actual.average().unwrap_or(0.0)).abs() > f64::EPSILON;
    Ok((stored.rating != actual || average_stale).then_some((stored.rating, actual)))
}
