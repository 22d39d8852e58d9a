//! Purchase events keep `enrolledCourses` in step, idempotently.

use std::time::Duration;

use serde_json::Value;
use shared::events::{
    EventEnvelope, PURCHASE_COMPLETED, PURCHASE_REFUNDED, Publisher, PurchaseCompleted,
    PurchaseRefunded,
};

use test_support::eventually;

use crate::helpers::{env, spawn_app};

async fn wait_for_enrolments(app: &crate::helpers::TestApp, token: &str, expected: usize) -> Value {
    eventually(
        Duration::from_secs(5),
        &format!("enrolledCourses reaching {expected}"),
        async || {
            let me: Value = app
                .get_bearer("/api/v1/auth/me", token)
                .await
                .json()
                .await
                .unwrap();
            (me["user"]["enrolledCourses"].as_array().map(Vec::len) == Some(expected)).then_some(me)
        },
    )
    .await
}

#[tokio::test]
async fn a_completed_purchase_enrols_once_even_when_replayed_and_a_refund_unenrols() {
    let app = spawn_app().await;
    let (_, token, body) = app.new_user("student").await;
    let user_id = body["user"]["_id"].as_str().unwrap().to_owned();
    let redis = shared::redis_handle::RedisHandle::from_url(&env("REDIS_URL")).unwrap();
    let publisher = Publisher::new(redis, app.prefix.clone());
    let course_id = "64b7f0c2a1b2c3d4e5f60718".to_owned();
    let completed = EventEnvelope::new(
        PURCHASE_COMPLETED,
        PurchaseCompleted {
            purchase_id: "p1".into(),
            user_id: user_id.clone(),
            course_id: course_id.clone(),
            amount_cents: 1999,
            currency: "usd".into(),
        },
    );
    publisher
        .publish(PURCHASE_COMPLETED, &completed)
        .await
        .unwrap();
    publisher
        .publish(PURCHASE_COMPLETED, &completed)
        .await
        .unwrap();
    let me = wait_for_enrolments(&app, &token, 1).await;
    assert_eq!(
        me["user"]["enrolledCourses"][0]["course"],
        course_id.as_str()
    );
    assert_eq!(me["user"]["totalEnrolledCourses"], 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_for_enrolments(&app, &token, 1).await;

    let refunded = EventEnvelope::new(
        PURCHASE_REFUNDED,
        PurchaseRefunded {
            purchase_id: "p1".into(),
            user_id,
            course_id,
        },
    );
    publisher
        .publish(PURCHASE_REFUNDED, &refunded)
        .await
        .unwrap();
    wait_for_enrolments(&app, &token, 0).await;
}
