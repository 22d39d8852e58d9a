//! Events: `purchase.completed` enrols once however often it is delivered, `purchase.refunded` un-enrols,
//! `user.deleted` removes enrolments and withdraws an instructor's courses, and course changes are announced.

use redis::AsyncCommands as _;
use serde_json::Value;
use shared::events::{
    EventEnvelope, PURCHASE_COMPLETED, PurchaseCompleted, USER_DELETED, UserDeleted, stream_key,
};
use test_support::{EVENT_TIMEOUT, eventually, required_env};

use crate::helpers::{TestApp, spawn_app};

async fn enrolled_count(app: &TestApp, course_id: &str, token: &str) -> i64 {
    let body: Value = app
        .get(&format!("/api/v1/courses/{course_id}"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    body["course"]["enrolledStudents"].as_i64().unwrap()
}

#[tokio::test]
async fn replaying_the_same_purchase_completed_event_enrols_once_and_a_refund_unenrols() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let (course, _) = app.published_course(&owner, "Bought").await;
    let id = course["_id"].as_str().unwrap();
    let completed = EventEnvelope::new(
        PURCHASE_COMPLETED,
        PurchaseCompleted {
            purchase_id: "p1".into(),
            user_id: student.id.clone(),
            course_id: id.to_owned(),
            amount_cents: 4999,
            currency: "usd".into(),
        },
    );
    app.publish_event(PURCHASE_COMPLETED, &completed).await;
    app.publish_event(PURCHASE_COMPLETED, &completed).await;
    eventually(EVENT_TIMEOUT, "enrolment", async || {
        (app.is_enrolled(&student, id).await).then_some(())
    })
    .await;
    // A later event proves both copies were handled before it.
    let other = app.user("student").await;
    app.enrol(&other, id).await;
    // The counter follows the enrolment itself a moment later.
    eventually(EVENT_TIMEOUT, "two enrolled", async || {
        (enrolled_count(&app, id, &owner.token).await == 2).then_some(())
    })
    .await;
    let students: Value = app
        .get(
            &format!("/api/v1/courses/{id}/students"),
            Some(&owner.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(students["pagination"]["total"], 2);

    app.refund(&student, id, "p1").await;
    eventually(EVENT_TIMEOUT, "one enrolled", async || {
        (enrolled_count(&app, id, &owner.token).await == 1).then_some(())
    })
    .await;
    // The original purchase delivered again after the refund does not re-enrol.
    app.publish_event(PURCHASE_COMPLETED, &completed).await;
    let late = app.user("student").await;
    app.enrol(&late, id).await;
    assert!(!app.is_enrolled(&student, id).await);
}

#[tokio::test]
async fn a_deleted_user_loses_enrolments_and_a_deleted_instructors_courses_are_unpublished_but_kept()
 {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let admin = app.admin().await;
    let (course, _) = app.published_course(&owner, "Orphan").await;
    let id = course["_id"].as_str().unwrap();
    app.enrol(&student, id).await;

    let gone = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: student.id.clone(),
            role: "student".into(),
        },
    );
    app.publish_event(USER_DELETED, &gone).await;
    eventually(EVENT_TIMEOUT, "enrolments removed", async || {
        (!app.is_enrolled(&student, id).await).then_some(())
    })
    .await;
    eventually(EVENT_TIMEOUT, "counter down", async || {
        (enrolled_count(&app, id, &admin.token).await == 0).then_some(())
    })
    .await;

    let gone = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: owner.id.clone(),
            role: "instructor".into(),
        },
    );
    app.publish_event(USER_DELETED, &gone).await;
    eventually(EVENT_TIMEOUT, "course unpublished", async || {
        (app.get(&format!("/api/v1/courses/{id}"), None)
            .await
            .status()
            == 404)
            .then_some(())
    })
    .await;
    let kept: Value = app
        .get(&format!("/api/v1/courses/{id}"), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["course"]["isPublished"], false);
    assert_eq!(kept["course"]["enrolledStudents"], 0);
}

/// Every entry of a topic's stream, as JSON envelopes.
async fn stream(app: &TestApp, topic: &str) -> Vec<Value> {
    let mut conn = redis::Client::open(required_env("REDIS_URL"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let reply: redis::streams::StreamRangeReply = conn
        .xrange_all(stream_key(&app.prefix, topic))
        .await
        .unwrap();
    reply
        .ids
        .iter()
        .map(|entry| serde_json::from_str(&entry.get::<String>("event").unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn course_changes_are_announced_through_the_outbox() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let (course, lecture) = app.published_course(&owner, "Announced").await;
    let id = course["_id"].as_str().unwrap();
    let lid = lecture["_id"].as_str().unwrap();
    app.add_lecture(&owner.token, id, "Second", 2, false).await;
    let res = app
        .delete(
            &format!("/api/v1/courses/{id}/lectures/{lid}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.publish(&owner.token, id, false).await.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/courses/{id}"), Some(&owner.token))
            .await
            .status(),
        200
    );

    eventually(EVENT_TIMEOUT, "course.deleted published", async || {
        (!stream(&app, "course.deleted").await.is_empty()).then_some(())
    })
    .await;
    let deleted = stream(&app, "course.deleted").await;
    assert_eq!(deleted[0]["payload"]["courseId"], id);
    let lecture_deleted = stream(&app, "lecture.deleted").await;
    assert_eq!(
        lecture_deleted[0]["payload"],
        serde_json::json!({ "courseId": id, "lectureId": lid })
    );
    let updates = stream(&app, "course.updated").await;
    let last = &updates.last().unwrap()["payload"];
    assert_eq!(last["isPublished"], false);
    assert_eq!(last["lectureIds"].as_array().unwrap().len(), 1);
    assert!(updates.iter().any(|u| u["payload"]["isPublished"] == true));
}
