//! Reconciliation: a payment whose webhook is lost is still fulfilled, and a session that expired without
//! its webhook is marked expired, by the background task re-fetching sessions from Stripe.

use payment_service::domain::PurchaseStatus as S;
use stripe_sim::Delivery;

use crate::helpers::SimApp;

#[tokio::test]
async fn a_lost_webhook_is_recovered_by_reconciliation() {
    // Every second, purchases pending for any time at all are checked.
    let t = SimApp::spawn(&[
        ("RECONCILE_INTERVAL_SECS", "1"),
        ("RECONCILE_AFTER_SECS", "0"),
    ])
    .await;
    // Events are recorded but never sent: every webhook is lost.
    t.sim.set_delivery(Delivery::Manual);
    let (_owner, course_id) = t.course_priced("49.99").await;
    let (paying, leaving) = (
        t.services.sign_up("student").await,
        t.services.sign_up("student").await,
    );
    let (paid_session, paid) = t.start_checkout(&paying, &course_id).await;
    let (expired_session, expired) = t.start_checkout(&leaving, &course_id).await;
    t.sim.pay(&paid_session).await.unwrap();
    t.sim.expire(&expired_session).await.unwrap();

    t.wait_status(&paid, S::Completed).await;
    t.wait_status(&expired, S::Expired).await;
    t.wait_enrolled_everywhere(&paying, &course_id).await;
    assert!(!t.services.course.is_enrolled(&leaving.id, &course_id).await);
    assert_eq!(
        t.store.stripe_events.count().await.unwrap(),
        0,
        "no webhook arrived"
    );

    // The webhook arriving after all changes nothing.
    let events = t.sim.events();
    for e in &events {
        assert_eq!(t.sim.deliver(e["id"].as_str().unwrap()).await.unwrap(), 200);
    }
    assert_eq!(t.purchase(&paid).await.status, S::Completed);
    assert_eq!(t.purchase(&expired).await.status, S::Expired);
}

#[tokio::test]
async fn a_completion_interrupted_before_its_event_was_written_still_enrols_the_student() {
    let closed = format!("http://127.0.0.1:{}", test_support::closed_port());
    let t = crate::helpers::TestApp::spawn(&closed, &[("RECONCILE_INTERVAL_SECS", "1")]).await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    // What a crash right after the conditional update leaves: completed, its event never written.
    let two_minutes_ago =
        mongodb::bson::DateTime::from_millis(chrono::Utc::now().timestamp_millis() - 120_000);
    t.store
        .db
        .collection::<mongodb::bson::Document>("purchases")
        .update_one(
            mongodb::bson::doc! { "_id": mongodb::bson::oid::ObjectId::parse_str(&p.id).unwrap() },
            mongodb::bson::doc! {
                "$set": {
                    "status": "completed",
                    "unpublished": "purchase.completed",
                    "updatedAt": two_minutes_ago,
                },
                "$unset": { "openKey": "" },
            },
        )
        .await
        .unwrap();

    t.wait_enrolled_everywhere(&student, &course_id).await;
    let raw = t
        .store
        .db
        .collection::<mongodb::bson::Document>("purchases")
        .find_one(mongodb::bson::doc! {})
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.contains_key("unpublished"), "{raw}");
    assert_eq!(t.purchase(&p.id).await.status, S::Completed);
}

#[tokio::test]
async fn a_refund_interrupted_before_its_event_was_written_still_ends_the_enrolment() {
    let closed = format!("http://127.0.0.1:{}", test_support::closed_port());
    let t = crate::helpers::TestApp::spawn(&closed, &[("RECONCILE_INTERVAL_SECS", "1")]).await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, paid) = crate::stripe_events::event(
        "checkout.session.completed",
        crate::stripe_events::session(&p, "complete", "paid"),
    );
    assert_eq!(t.deliver(&paid).await, 200);
    t.wait_enrolled_everywhere(&student, &course_id).await;
    // What a crash right after the full refund's conditional update leaves.
    let two_minutes_ago =
        mongodb::bson::DateTime::from_millis(chrono::Utc::now().timestamp_millis() - 120_000);
    t.store
        .db
        .collection::<mongodb::bson::Document>("purchases")
        .update_one(
            mongodb::bson::doc! { "_id": mongodb::bson::oid::ObjectId::parse_str(&p.id).unwrap() },
            mongodb::bson::doc! { "$set": {
                "status": "refunded",
                "refundAmount": 4999_i64,
                "unpublished": "purchase.refunded",
                "updatedAt": two_minutes_ago,
            } },
        )
        .await
        .unwrap();
    t.wait_unenrolled(&student, &course_id).await;
    assert_eq!(t.purchase(&p.id).await.unpublished, None);
}

#[tokio::test]
async fn a_pending_purchase_whose_session_was_never_created_is_expired_and_frees_the_course() {
    let closed = format!("http://127.0.0.1:{}", test_support::closed_port());
    let t = crate::helpers::TestApp::spawn(
        &closed,
        &[
            ("RECONCILE_INTERVAL_SECS", "1"),
            ("RECONCILE_AFTER_SECS", "0"),
        ],
    )
    .await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    // Checkout fails at Stripe (a closed port): the purchase is recorded, its session never is.
    let res = t.checkout(Some(&student.token), &course_id).await;
    assert_eq!(res.status(), 502);
    let (purchases, _) = t
        .store
        .purchases
        .list(&Default::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(purchases.len(), 1);
    assert_eq!(purchases[0].payment_id, None);
    test_support::eventually(
        test_support::EVENT_TIMEOUT,
        "expired by reconciliation",
        async || (t.purchase(&purchases[0].id).await.status == S::Expired).then_some(()),
    )
    .await;
    assert!(
        t.store
            .purchases
            .find_open(
                mongodb::bson::oid::ObjectId::parse_str(&student.id).unwrap(),
                mongodb::bson::oid::ObjectId::parse_str(&course_id).unwrap(),
            )
            .await
            .unwrap()
            .is_none(),
        "no open checkout is left behind"
    );
}
