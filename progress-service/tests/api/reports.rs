//! What a student and an instructor see across records: the summary of every enrolled course, and the
//! course statistics (owner and admins only).

use serde_json::json;
use test_support::{EVENT_TIMEOUT, eventually};

use crate::helpers::{TestApp, data_of};

#[tokio::test]
async fn the_summary_lists_every_enrolled_course_including_never_opened_ones() {
    let app = TestApp::spawn().await;
    let owner = app.services.sign_up("instructor").await;
    let started = app.course_of(owner.clone(), &[60.0, 60.0]).await;
    let unopened = app.course_of(owner, &[60.0]).await;
    let student = app.student_in(&started.id).await;
    app.services.enrol(&student.id, &unopened.id).await;
    let body = json!({ "isCompleted": true });
    let res = app
        .patch_lecture(&student.token, &started.id, &started.lectures[0], &body)
        .await;
    data_of(res).await;

    // progress-service learns enrolments from the same purchase events course-service does.
    let rows = eventually(EVENT_TIMEOUT, "both enrolments listed", async || {
        let rows = data_of(app.summary(&student.token).await).await;
        (rows.as_array().unwrap().len() == 2).then_some(rows)
    })
    .await;
    let row = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["course"]["_id"] == id)
            .unwrap_or_else(|| panic!("no row for {id} in {rows}"))
            .clone()
    };
    let first = row(&started.id);
    assert_eq!(first["completionPercentage"], 50);
    assert_eq!(first["isCompleted"], false);
    assert!(first["lastAccessed"].is_string());
    assert_eq!(first["course"]["title"], "Progress course");
    let second = row(&unopened.id);
    assert_eq!(second["completionPercentage"], 0);
    assert_eq!(second["lastAccessed"], serde_json::Value::Null);
    assert!(second["enrolledAt"].is_string());

    // Someone enrolled nowhere gets an empty list, not an error.
    let nobody = app.services.sign_up("student").await;
    assert_eq!(data_of(app.summary(&nobody.token).await).await, json!([]));
}

#[tokio::test]
async fn stats_show_the_owner_the_drop_off_curve_over_enrolled_students() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0, 60.0]).await;
    let l = &course.lectures;
    let done = app.student_in(&course.id).await;
    let halfway = app.student_in(&course.id).await;
    let _idle = app.student_in(&course.id).await;
    data_of(app.complete(&done.token, &course.id).await).await;
    let body = json!({ "isCompleted": true });
    data_of(
        app.patch_lecture(&halfway.token, &course.id, &l[0], &body)
            .await,
    )
    .await;

    let stats = eventually(EVENT_TIMEOUT, "three enrolments counted", async || {
        let stats = data_of(app.stats(&course.owner.token, &course.id).await).await;
        (stats["enrolled"] == 3).then_some(stats)
    })
    .await;
    assert_eq!(stats["started"], 2);
    assert_eq!(stats["completed"], 1);
    assert_eq!(stats["averageCompletion"], 50.0);
    assert_eq!(
        stats["lectures"],
        json!([
            { "lectureId": l[0], "title": "Lecture 1", "completed": 2 },
            { "lectureId": l[1], "title": "Lecture 2", "completed": 1 },
        ])
    );
    let admin = app.services.admin().await;
    assert_eq!(
        data_of(app.stats(&admin.token, &course.id).await).await,
        stats
    );
}
