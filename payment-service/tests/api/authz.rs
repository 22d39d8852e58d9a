//! Who may call what, and what bad input gets, on every route: anonymous 401, tampered token 401, a
//! student on admin routes 403, malformed ids 400, unknown or unpublished courses 404, one's own course 400.
//! None of these reach Stripe (its API is a closed port here).

use serde_json::json;

use crate::helpers::{TestApp, status_and_body};

const UNKNOWN_ID: &str = "5f0000000000000000000000";

#[tokio::test]
async fn every_protected_route_refuses_anonymous_and_tampered_callers_with_401() {
    let t = TestApp::spawn_without_stripe().await;
    let student = t.services.sign_up("student").await;
    let tampered = format!("{}x", student.token);
    let routes = [
        (
            "POST",
            "/api/v1/payments/create-checkout-session".to_owned(),
        ),
        (
            "GET",
            format!("/api/v1/payments/courses/{UNKNOWN_ID}/purchase-status"),
        ),
        ("GET", "/api/v1/payments/purchased-courses".to_owned()),
        ("GET", "/api/v1/payments/purchases".to_owned()),
        (
            "POST",
            format!("/api/v1/payments/purchases/{UNKNOWN_ID}/refund"),
        ),
    ];
    for (method, path) in &routes {
        for token in [None, Some(tampered.as_str())] {
            let mut req = t
                .app
                .client
                .request(method.parse().unwrap(), t.url(path))
                .json(&json!({ "courseId": UNKNOWN_ID }));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            let (status, body) = status_and_body(req.send().await.unwrap()).await;
            assert_eq!(status, 401, "{method} {path} with {token:?}: {body}");
            assert_eq!(body["error"], "UNAUTHORIZED");
            let expected = if token.is_none() {
                "You are not logged in"
            } else {
                "JWT token error"
            };
            assert_eq!(body["message"], expected, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn students_and_instructors_cannot_list_all_purchases_or_refund() {
    let t = TestApp::spawn_without_stripe().await;
    for role in ["student", "instructor"] {
        let user = t.services.sign_up(role).await;
        let (status, body) =
            status_and_body(t.get(Some(&user.token), "/api/v1/payments/purchases").await).await;
        assert_eq!(status, 403, "{role} lists purchases: {body}");
        assert_eq!(body["error"], "FORBIDDEN");
        let (status, body) =
            status_and_body(t.refund(Some(&user.token), UNKNOWN_ID, json!({})).await).await;
        assert_eq!(status, 403, "{role} refunds: {body}");
    }
    let admin = t.services.admin().await;
    let (status, body) =
        status_and_body(t.refund(Some(&admin.token), UNKNOWN_ID, json!({})).await).await;
    assert_eq!(status, 404, "unknown purchase: {body}");
    let (status, body) =
        status_and_body(t.refund(Some(&admin.token), "nope", json!({})).await).await;
    assert_eq!(
        (status, body["errors"][0]["field"].clone()),
        (400, json!("purchaseId"))
    );
    for query in [
        "status=paid",
        "userId=xyz",
        "courseId=1",
        "limit=101",
        "page=0",
    ] {
        let (status, body) = status_and_body(
            t.get(
                Some(&admin.token),
                &format!("/api/v1/payments/purchases?{query}"),
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"], "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn checkout_refuses_malformed_unknown_unpublished_and_own_courses() {
    let t = TestApp::spawn_without_stripe().await;
    let student = t.services.sign_up("student").await;
    let token = Some(student.token.as_str());

    let (status, body) = status_and_body(t.checkout(token, "not-an-id").await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "courseId");
    let res = t
        .app
        .client
        .post(t.url("/api/v1/payments/create-checkout-session"))
        .bearer_auth(&student.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "missing courseId");

    let (status, body) = status_and_body(t.checkout(token, UNKNOWN_ID).await).await;
    assert_eq!(
        (status, body["message"].clone()),
        (404, json!("Course not found"))
    );

    let (owner, course_id) = t.course_priced("49.99").await;
    let unpublished = t
        .services
        .course
        .publish(&owner.token, &course_id, false)
        .await;
    assert_eq!(unpublished.status(), 200);
    let (status, body) = status_and_body(t.checkout(token, &course_id).await).await;
    assert_eq!(status, 404, "unpublished: {body}");
    let status_path = format!("/api/v1/payments/courses/{course_id}/purchase-status");
    let (status, _) = status_and_body(t.get(token, &status_path).await).await;
    assert_eq!(
        status, 404,
        "a draft's purchase status is hidden from strangers"
    );
    let (status, _) = status_and_body(t.get(Some(&owner.token), &status_path).await).await;
    assert_eq!(status, 200, "but not from its owner");
    assert_eq!(
        t.services
            .course
            .publish(&owner.token, &course_id, true)
            .await
            .status(),
        200
    );

    let (status, body) = status_and_body(t.checkout(Some(&owner.token), &course_id).await).await;
    assert_eq!(status, 400, "own course: {body}");
    assert_eq!(body["message"], "You cannot buy your own course");

    // Nothing was recorded by any refusal.
    let (purchases, total) = t
        .store
        .purchases
        .list(&Default::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!((purchases.len(), total), (0, 0));

    let (status, _) = status_and_body(
        t.get(token, "/api/v1/payments/courses/bad/purchase-status")
            .await,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = status_and_body(
        t.get(
            token,
            &format!("/api/v1/payments/courses/{UNKNOWN_ID}/purchase-status"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
}
