//! Admin refunds through Stripe: partial then full, each confirmed by the `charge.refunded` webhook that
//! follows; the full one ends the enrolment. Over-refunds and refunds of unpaid purchases are refused, and
//! the admin listing filters.

use payment_service::domain::PurchaseStatus as S;
use serde_json::json;

use crate::helpers::{SimApp, status_and_body};

#[tokio::test]
async fn an_admin_refunds_partly_then_fully_and_the_webhook_ends_the_enrolment() {
    let t = SimApp::spawn(&[]).await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    let admin = t.services.admin().await;
    let (session, purchase) = t.start_checkout(&student, &course_id).await;

    // Not paid yet: nothing to refund.
    let (status, body) =
        status_and_body(t.refund(Some(&admin.token), &purchase, json!({})).await).await;
    assert_eq!(status, 409, "{body}");

    t.sim.pay(&session).await.unwrap();
    t.wait_status(&purchase, S::Completed).await;
    t.wait_enrolled_everywhere(&student, &course_id).await;

    // The student can neither refund nor list everything.
    let (status, _) =
        status_and_body(t.refund(Some(&student.token), &purchase, json!({})).await).await;
    assert_eq!(status, 403);
    let (status, _) = status_and_body(
        t.get(Some(&student.token), "/api/v1/payments/purchases")
            .await,
    )
    .await;
    assert_eq!(status, 403);

    for bad in [
        json!({ "amount": 0 }),
        json!({ "amount": 5000 }),
        json!({ "amount": "ten" }),
        json!({ "reason": "x".repeat(501) }),
    ] {
        let (status, body) =
            status_and_body(t.refund(Some(&admin.token), &purchase, bad.clone()).await).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    let (status, body) = status_and_body(
        t.refund(
            Some(&admin.token),
            &purchase,
            json!({ "amount": 1000, "reason": "requested_by_customer" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["refundId"]
            .as_str()
            .unwrap()
            .starts_with("re_")
    );
    assert_eq!(body["data"]["amount"], 1000);
    test_support::eventually(test_support::EVENT_TIMEOUT, "partial refund", async || {
        (t.purchase(&purchase).await.refund_amount == 1000).then_some(())
    })
    .await;
    let p = t.purchase(&purchase).await;
    assert_eq!(p.status, S::Completed, "a partial refund keeps the course");
    assert_eq!(p.refund_reason.as_deref(), Some("requested_by_customer"));
    assert!(t.services.course.is_enrolled(&student.id, &course_id).await);

    // The rest (no amount: everything that remains).
    let (status, body) =
        status_and_body(t.refund(Some(&admin.token), &purchase, json!({})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["amount"], 3999);
    t.wait_status(&purchase, S::Refunded).await;
    assert_eq!(t.purchase(&purchase).await.refund_amount, 4999);
    t.wait_unenrolled(&student, &course_id).await;

    let (status, _) =
        status_and_body(t.refund(Some(&admin.token), &purchase, json!({})).await).await;
    assert_eq!(status, 409, "nothing left");

    // The admin listing and its filters.
    let listed = |query: String| {
        let admin = admin.token.clone();
        let t = &t;
        async move {
            let (status, body) = status_and_body(
                t.get(Some(&admin), &format!("/api/v1/payments/purchases?{query}"))
                    .await,
            )
            .await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };
    let all = listed(String::new()).await;
    assert_eq!(all["pagination"]["total"], 1);
    let row = &all["data"][0];
    assert_eq!(row["_id"], purchase.as_str());
    assert_eq!(row["status"], "refunded");
    assert_eq!(row["refundAmount"], 4999);
    assert_eq!(row["paymentId"], session.as_str());
    assert_eq!(
        listed("status=refunded".into()).await["pagination"]["total"],
        1
    );
    assert_eq!(
        listed("status=completed".into()).await["pagination"]["total"],
        0
    );
    assert_eq!(
        listed(format!("userId={}", student.id)).await["pagination"]["total"],
        1
    );
    assert_eq!(
        listed(format!("courseId={course_id}")).await["pagination"]["total"],
        1
    );
    assert_eq!(
        listed(format!("userId={}", admin.id)).await["pagination"]["total"],
        0
    );

    // Refunded, the course can be bought again.
    let (status, _) = status_and_body(t.checkout(Some(&student.token), &course_id).await).await;
    assert_eq!(status, 201);
}
