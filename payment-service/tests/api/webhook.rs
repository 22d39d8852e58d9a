//! The webhook: signature checks (bad, stale, tampered → 400 and nothing changes), each event id processed
//! once, unknown types ignored, and every transition of the state machine with its fulfilment reaching
//! course-service and auth-service.

use payment_service::domain::PurchaseStatus as S;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::stripe_events::{charge, event, session, signature};

async fn app_with_course() -> (TestApp, test_support::User, String) {
    let t = TestApp::spawn_without_stripe().await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    (t, student, course_id)
}

#[tokio::test]
async fn a_signed_completion_completes_the_purchase_enrols_the_student_and_a_duplicate_changes_nothing()
 {
    let (t, student, course_id) = app_with_course().await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, body) = event(
        "checkout.session.completed",
        session(&p, "complete", "paid"),
    );

    let res = t.webhook(&body, Some(&signature(&body, 0))).await;
    assert_eq!(res.status(), 200);
    let ack: Value = res.json().await.unwrap();
    assert_eq!(ack["received"], true);
    let done = t.purchase(&p.id).await;
    assert_eq!(done.status, S::Completed);
    assert_eq!(done.payment_intent_id, Some(format!("pi_{}", p.id)));
    t.wait_enrolled_everywhere(&student, &course_id).await;

    // The same event again, and again concurrently: still one processed event, one completion.
    let completed_at = done.completed_at;
    let again = futures_util::future::join_all((0..4).map(|_| t.deliver(&body))).await;
    assert_eq!(again, vec![200; 4]);
    assert_eq!(t.store.stripe_events.count().await.unwrap(), 1);
    assert_eq!(t.purchase(&p.id).await.completed_at, completed_at);

    // The operator sees both outcomes on /metrics.
    let metrics = t.app.get("/metrics").await.text().await.unwrap();
    for series in [
        r#"payment_webhook_events_total{event_type="checkout.session.completed",result="processed"}"#,
        r#"payment_webhook_events_total{event_type="checkout.session.completed",result="duplicate"}"#,
    ] {
        assert!(
            metrics.contains(series),
            "{series} missing from:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn a_bad_signature_a_301_second_old_timestamp_or_a_tampered_body_is_400_and_changes_nothing()
{
    let (t, student, course_id) = app_with_course().await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, body) = event(
        "checkout.session.completed",
        session(&p, "complete", "paid"),
    );

    let wrong_secret =
        payment_service::stripe::sign(&body, "whsec_someone_else", chrono::Utc::now().timestamp());
    let stale = signature(&body, 301);
    let mut tampered = body.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'a' { b'b' } else { b'a' };
    let cases: [(&[u8], Option<&str>, &str); 5] = [
        (&body, Some(&wrong_secret), "wrong secret"),
        (&body, Some(&stale), "301 s old"),
        (&tampered, Some(&signature(&body, 0)), "tampered body"),
        (&body, None, "no header"),
        (&body, Some("t=1,v1=zz"), "garbage header"),
    ];
    for (payload, sig, what) in cases {
        let res = t.webhook(payload, sig).await;
        assert_eq!(res.status(), 400, "{what}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"], "VALIDATION_ERROR", "{what}");
    }
    assert_eq!(t.purchase(&p.id).await.status, S::Pending);
    assert_eq!(t.store.stripe_events.count().await.unwrap(), 0);

    // A body over 1 MB never reaches verification.
    let huge = vec![b' '; 1024 * 1024 + 1];
    assert_eq!(
        t.webhook(&huge, Some(&signature(&huge, 0))).await.status(),
        413
    );
    // Exactly at the tolerance it is accepted.
    assert_eq!(
        t.webhook(&body, Some(&signature(&body, 299)))
            .await
            .status(),
        200
    );
    assert_eq!(t.purchase(&p.id).await.status, S::Completed);
}

#[tokio::test]
async fn unknown_event_types_are_acknowledged_and_ignored() {
    let (t, student, course_id) = app_with_course().await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, body) = event(
        "customer.created",
        serde_json::json!({ "id": "cus_1", "object": "customer" }),
    );
    assert_eq!(t.deliver(&body).await, 200);
    let (_, body) = event(
        "payment_intent.succeeded",
        serde_json::json!({ "id": "pi_x" }),
    );
    assert_eq!(t.deliver(&body).await, 200);
    assert_eq!(t.purchase(&p.id).await.status, S::Pending);
}

#[tokio::test]
async fn a_delayed_payment_stays_pending_until_it_succeeds_or_fails() {
    let (t, student, course_id) = app_with_course().await;
    let other = t.services.sign_up("student").await;
    let paid_later = t.pending_purchase(&student, &course_id, 4999).await;
    let failed_later = t.pending_purchase(&other, &course_id, 4999).await;

    for p in [&paid_later, &failed_later] {
        let (_, body) = event(
            "checkout.session.completed",
            session(p, "complete", "unpaid"),
        );
        assert_eq!(t.deliver(&body).await, 200);
        let now = t.purchase(&p.id).await;
        assert_eq!(now.status, S::Pending, "unpaid completion keeps it pending");
        assert_eq!(now.payment_intent_id, Some(format!("pi_{}", p.id)));
    }
    let (_, ok) = event(
        "checkout.session.async_payment_succeeded",
        session(&paid_later, "complete", "paid"),
    );
    assert_eq!(t.deliver(&ok).await, 200);
    let (_, failed) = event(
        "checkout.session.async_payment_failed",
        session(&failed_later, "complete", "unpaid"),
    );
    assert_eq!(t.deliver(&failed).await, 200);

    assert_eq!(t.purchase(&paid_later.id).await.status, S::Completed);
    assert_eq!(t.purchase(&failed_later.id).await.status, S::Failed);
    t.wait_enrolled_everywhere(&student, &course_id).await;
    assert!(!t.services.course.is_enrolled(&other.id, &course_id).await);
}

#[tokio::test]
async fn expiry_after_completion_changes_nothing_and_completion_after_expiry_still_completes() {
    let (t, student, course_id) = app_with_course().await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, done) = event(
        "checkout.session.completed",
        session(&p, "complete", "paid"),
    );
    let (_, expired) = event("checkout.session.expired", session(&p, "expired", "unpaid"));
    assert_eq!(t.deliver(&done).await, 200);
    assert_eq!(t.deliver(&expired).await, 200);
    assert_eq!(t.purchase(&p.id).await.status, S::Completed);

    let course2 = t.course_priced("10").await.1;
    let q = t.pending_purchase(&student, &course2, 1000).await;
    let (_, expired) = event("checkout.session.expired", session(&q, "expired", "unpaid"));
    let (_, done) = event(
        "checkout.session.completed",
        session(&q, "complete", "paid"),
    );
    assert_eq!(t.deliver(&expired).await, 200);
    assert_eq!(t.purchase(&q.id).await.status, S::Expired);
    assert_eq!(t.deliver(&done).await, 200);
    assert_eq!(
        t.purchase(&q.id).await.status,
        S::Completed,
        "money was taken"
    );
    t.wait_enrolled_everywhere(&student, &course2).await;
}

#[tokio::test]
async fn partial_refunds_add_up_and_the_full_refund_ends_the_enrolment() {
    let (t, student, course_id) = app_with_course().await;
    let p = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, done) = event(
        "checkout.session.completed",
        session(&p, "complete", "paid"),
    );
    assert_eq!(t.deliver(&done).await, 200);
    t.wait_enrolled_everywhere(&student, &course_id).await;

    let (_, first) = event("charge.refunded", charge(&p, 1000));
    let (_, second) = event("charge.refunded", charge(&p, 2500));
    let (_, full) = event("charge.refunded", charge(&p, 4999));
    // Out of order: the later partial first; the earlier one then changes nothing.
    assert_eq!(t.deliver(&second).await, 200);
    assert_eq!(t.deliver(&first).await, 200);
    let now = t.purchase(&p.id).await;
    assert_eq!((now.status, now.refund_amount), (S::Completed, 2500));
    assert!(t.services.course.is_enrolled(&student.id, &course_id).await);

    assert_eq!(t.deliver(&full).await, 200);
    let now = t.purchase(&p.id).await;
    assert_eq!((now.status, now.refund_amount), (S::Refunded, 4999));
    t.wait_unenrolled(&student, &course_id).await;

    // A late completion never brings it back.
    let (_, late) = event(
        "checkout.session.completed",
        session(&p, "complete", "paid"),
    );
    assert_eq!(t.deliver(&late).await, 200);
    assert_eq!(t.purchase(&p.id).await.status, S::Refunded);
}

#[tokio::test]
async fn a_second_payment_for_an_owned_course_is_flagged_not_completed_twice() {
    let (t, student, course_id) = app_with_course().await;
    let first = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, expired) = event(
        "checkout.session.expired",
        session(&first, "expired", "unpaid"),
    );
    assert_eq!(t.deliver(&expired).await, 200);
    let second = t.pending_purchase(&student, &course_id, 4999).await;
    let (_, paid) = event(
        "checkout.session.completed",
        session(&second, "complete", "paid"),
    );
    assert_eq!(t.deliver(&paid).await, 200);
    assert_eq!(t.purchase(&second.id).await.status, S::Completed);

    // The expired session was paid after all: the unique partial index refuses a second completion.
    let (_, late) = event(
        "checkout.session.completed",
        session(&first, "complete", "paid"),
    );
    assert_eq!(t.deliver(&late).await, 200);
    let flagged = t.purchase(&first.id).await;
    assert_eq!(flagged.status, S::Expired);
    assert!(flagged.duplicate_payment);
    assert_eq!(flagged.payment_intent_id, Some(format!("pi_{}", first.id)));
    t.wait_enrolled_everywhere(&student, &course_id).await;
    assert_eq!(
        t.enrolled_courses(&student).await,
        vec![course_id.clone()],
        "enrolled once"
    );
}
