//! A free course enrols at once: 200 `{ enrolled: true }`, a completed purchase of 0 cents, the
//! `purchase.completed` event reaching course-service and auth-service, and no Stripe call at all (its API
//! is a closed port here, so any call would have failed the request).

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_free_course_enrols_at_once_without_calling_stripe_and_only_once() {
    let t = TestApp::spawn_without_stripe().await;
    let (_owner, course_id) = t.course_priced("0").await;
    let student = t.services.sign_up("student").await;

    let res = t.checkout(Some(&student.token), &course_id).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(body["data"], json!({ "enrolled": true }));

    let (purchases, _) = t
        .store
        .purchases
        .list(&Default::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(purchases.len(), 1);
    let p = &purchases[0];
    assert_eq!(p.amount, 0);
    assert_eq!(p.status.as_str(), "completed");
    assert_eq!(p.payment_method, "free");
    assert_eq!(p.payment_id, None, "no Checkout Session");

    t.wait_enrolled_everywhere(&student, &course_id).await;

    let res = t.checkout(Some(&student.token), &course_id).await;
    assert_eq!(res.status(), 409, "already purchased");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "CONFLICT");

    let status: Value = t
        .get(
            Some(&student.token),
            &format!("/api/v1/payments/courses/{course_id}/purchase-status"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["data"]["isPurchased"], true);
    assert_eq!(
        status["data"]["accessReady"], true,
        "course-service has the enrolment"
    );
    assert_eq!(status["data"]["status"], "completed");
    assert_eq!(status["data"]["course"]["_id"], course_id.as_str());
    assert_eq!(status["data"]["course"]["price"], 0.0);

    let listed: Value = t
        .get(Some(&student.token), "/api/v1/payments/purchased-courses")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["pagination"]["total"], 1);
    assert_eq!(listed["data"][0]["course"]["_id"], course_id.as_str());
    assert_eq!(listed["data"][0]["amount"], 0);
}
