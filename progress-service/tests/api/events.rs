//! Events consumed: `user.deleted` removes the user's progress (and only theirs).

use mongodb::bson::{Document, doc, oid::ObjectId};
use serde_json::json;
use shared::events::{EventEnvelope, USER_DELETED, UserDeleted};
use test_support::{EVENT_TIMEOUT, eventually};

use crate::helpers::{TestApp, data_of};

#[tokio::test]
async fn user_deleted_removes_that_users_progress_only() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0]).await;
    let leaving = app.student_in(&course.id).await;
    let staying = app.student_in(&course.id).await;
    for student in [&leaving, &staying] {
        data_of(app.complete(&student.token, &course.id).await).await;
    }
    let progress = app.db.handle().await.collection::<Document>("progress");
    let count = async |user: &str| {
        let user = ObjectId::parse_str(user).unwrap();
        progress
            .count_documents(doc! { "userId": user })
            .await
            .unwrap()
    };
    assert_eq!(count(&leaving.id).await, 1);

    let event = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: leaving.id.clone(),
            role: "student".into(),
        },
    );
    app.services
        .course
        .publish_event(USER_DELETED, &event)
        .await;
    eventually(
        EVENT_TIMEOUT,
        "progress of the deleted user removed",
        async || (count(&leaving.id).await == 0).then_some(()),
    )
    .await;
    assert_eq!(count(&staying.id).await, 1);
    let summary = data_of(app.summary(&staying.token).await).await;
    assert_eq!(
        summary.as_array().map(Vec::len),
        Some(1),
        "{}",
        json!(summary)
    );
}
