//! `user.deleted`: the user's purchases stay, with their amounts, for accounting, but no longer name them.

use mongodb::bson::doc;
use payment_service::domain::PurchaseStatus as S;
use shared::events::{EventEnvelope, USER_DELETED, UserDeleted};
use test_support::{EVENT_TIMEOUT, eventually};

use crate::helpers::TestApp;
use crate::stripe_events::{event, session};

#[tokio::test]
async fn a_deleted_users_purchases_are_anonymised_and_keep_their_amounts() {
    let t = TestApp::spawn_without_stripe().await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let (gone, stays) = (
        t.services.sign_up("student").await,
        t.services.sign_up("student").await,
    );
    let bought = t.pending_purchase(&gone, &course_id, 4999).await;
    let (_, body) = event(
        "checkout.session.completed",
        session(&bought, "complete", "paid"),
    );
    assert_eq!(t.deliver(&body).await, 200);
    let other = t.pending_purchase(&stays, &course_id, 4999).await;

    let envelope = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: gone.id.clone(),
            role: "student".into(),
        },
    );
    t.services
        .course
        .publish_event(USER_DELETED, &envelope)
        .await;

    let anonymised = eventually(EVENT_TIMEOUT, "purchases anonymised", async || {
        let p = t.purchase(&bought.id).await;
        p.user_id.is_none().then_some(p)
    })
    .await;
    assert_eq!(anonymised.status, S::Completed);
    assert_eq!(anonymised.amount, 4999);
    assert_eq!(anonymised.course_id, course_id);
    let raw = t
        .store
        .db
        .collection::<mongodb::bson::Document>("purchases")
        .find_one(doc! { "anonymised": true })
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.contains_key("user"), "{raw}");
    // The other student's purchase is untouched.
    assert_eq!(t.purchase(&other.id).await.user_id, Some(stays.id.clone()));
}
