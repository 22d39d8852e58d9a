//! Buying through the Stripe simulator: the 201 in the seed's shape with a pending purchase in cents, the
//! session's parameters as Stripe receives them, one session per open checkout however often (and however
//! concurrently) it is asked for, paying on the simulator's page, delayed payments, and 409 once bought.

use chrono::Utc;
use payment_service::domain::PurchaseStatus as S;
use serde_json::{Value, json};
use test_support::browser;

use crate::helpers::{CANCEL_URL, SimApp, status_and_body};

#[tokio::test]
async fn checkout_answers_201_in_the_seed_shape_and_a_second_call_returns_the_same_open_session() {
    let t = SimApp::spawn(&[]).await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;

    let (status, body) = status_and_body(t.checkout(Some(&student.token), &course_id).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Stripe checkout initiated successfully.");
    let session = &body["data"]["session"];
    let session_id = session["id"].as_str().unwrap().to_owned();
    assert!(session_id.starts_with("cs_test_"), "{session}");
    assert!(
        session["url"].as_str().unwrap().starts_with("http"),
        "{session}"
    );
    assert_eq!(session["payment_status"], "unpaid");
    let purchase_id = session["metadata"]["purchaseId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(session["metadata"]["courseId"], course_id.as_str());
    assert_eq!(session["metadata"]["userId"], student.id.as_str());

    // The pending purchase, in integer cents, with the session id.
    let p = t.purchase(&purchase_id).await;
    assert_eq!(p.status, S::Pending);
    assert_eq!((p.amount, p.currency.as_str()), (4999, "usd"));
    assert_eq!(p.payment_id.as_deref(), Some(session_id.as_str()));
    assert_eq!(p.payment_method, "stripe");

    // What Stripe received.
    let s = t.sim.session(&session_id).unwrap();
    assert_eq!(s["mode"], "payment");
    assert_eq!(s["amount_total"], 4999);
    assert_eq!(s["currency"], "usd");
    assert_eq!(s["client_reference_id"], purchase_id.as_str());
    assert_eq!(
        s["success_url"],
        "http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}"
    );
    assert_eq!(s["cancel_url"], CANCEL_URL);
    assert_eq!(s["metadata"]["purchaseId"], purchase_id.as_str());
    // The configured 30 minutes plus the minute's margin that keeps a retried create valid.
    let expires_in = s["expires_at"].as_i64().unwrap() - Utc::now().timestamp();
    assert!(
        (30 * 60..=31 * 60).contains(&expires_in),
        "expires in {expires_in} s"
    );
    assert_eq!(t.sim.sessions_created(), 1);

    // Again, and four times at once: the same open session, and still one create at Stripe.
    let (status, again) = status_and_body(t.checkout(Some(&student.token), &course_id).await).await;
    assert_eq!(status, 201);
    assert_eq!(again["data"]["session"]["id"], session_id.as_str());
    let many = futures_util::future::join_all(
        (0..4).map(|_| t.checkout(Some(&student.token), &course_id)),
    )
    .await;
    for res in many {
        let (status, body) = status_and_body(res).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["data"]["session"]["id"], session_id.as_str());
    }
    assert_eq!(t.sim.sessions_created(), 1);
    let (_, total) = t
        .store
        .purchases
        .list(&Default::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 1, "one purchase");

    let status: Value = t
        .get(
            Some(&student.token),
            &format!("/api/v1/payments/courses/{course_id}/purchase-status"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["data"]["isPurchased"], false);
    assert_eq!(status["data"]["accessReady"], false);
    assert_eq!(status["data"]["status"], "pending");
    assert_eq!(status["data"]["course"]["price"], 49.99);
}

#[tokio::test]
async fn a_student_pays_on_the_simulators_page_and_is_enrolled_within_seconds() {
    let t = SimApp::spawn(&[]).await;
    let (_owner, course_id) = t.course_priced("49.99").await;
    let student = t.services.sign_up("student").await;
    let res = t.checkout(Some(&student.token), &course_id).await;
    let (_, body) = status_and_body(res).await;
    let session = &body["data"]["session"];
    let (session_id, url) = (
        session["id"].as_str().unwrap(),
        session["url"].as_str().unwrap(),
    );
    let purchase_id = session["metadata"]["purchaseId"].as_str().unwrap();

    let page = browser();
    let shown = page.get(url).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    let paid = page
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=pay")
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(
        paid.headers()["location"].to_str().unwrap(),
        format!("http://localhost:5173/payment/success?session_id={session_id}")
    );

    t.wait_status(purchase_id, S::Completed).await;
    t.wait_enrolled_everywhere(&student, &course_id).await;

    let (status, body) = status_and_body(t.checkout(Some(&student.token), &course_id).await).await;
    assert_eq!(status, 409, "already purchased: {body}");
    let listed: Value = t
        .get(
            Some(&student.token),
            "/api/v1/payments/purchased-courses?limit=5",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["pagination"],
        json!({ "page": 1, "limit": 5, "total": 1, "pages": 1 })
    );
    let item = &listed["data"][0];
    assert_eq!(item["_id"], purchase_id);
    assert_eq!(item["amount"], 4999);
    assert_eq!(item["course"]["_id"], course_id.as_str());
    assert_eq!(item["course"]["price"], 49.99);
    assert!(item["course"]["thumbnail"].as_str().is_some());
}

#[tokio::test]
async fn delayed_payments_through_the_simulator_succeed_or_fail() {
    let t = SimApp::spawn(&[]).await;
    let (_owner, course_id) = t.course_priced("20").await;
    let (good, bad) = (
        t.services.sign_up("student").await,
        t.services.sign_up("student").await,
    );
    let (good_session, good_purchase) = t.start_checkout(&good, &course_id).await;
    let (bad_session, bad_purchase) = t.start_checkout(&bad, &course_id).await;
    t.sim.pay_async(&good_session, true).await.unwrap();
    t.sim.pay_async(&bad_session, false).await.unwrap();
    t.wait_status(&good_purchase, S::Completed).await;
    t.wait_status(&bad_purchase, S::Failed).await;
    t.wait_enrolled_everywhere(&good, &course_id).await;
    assert!(!t.services.course.is_enrolled(&bad.id, &course_id).await);

    // A failed payment leaves the student free to try again with a new session.
    let (again, _) = t.start_checkout(&bad, &course_id).await;
    assert_ne!(again, bad_session);
}
