//! Percentages follow the course as it is now: a deleted lecture never leaves them above 100, and a
//! lecture added to a completed course lowers the live figure but keeps the course completed.

use serde_json::json;
use test_support::{EVENT_TIMEOUT, eventually};

use crate::helpers::{TestApp, data_of, lecture_of};

#[tokio::test]
async fn deleting_a_lecture_keeps_percentages_right_and_never_above_100() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0, 60.0, 60.0]).await;
    let student = app.student_in(&course.id).await;
    let l = &course.lectures;
    for lecture in &l[..2] {
        let body = json!({ "isCompleted": true });
        data_of(
            app.patch_lecture(&student.token, &course.id, lecture, &body)
                .await,
        )
        .await;
    }
    let data = data_of(app.get_progress(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 67);

    // Deleting a completed lecture: 1 of 2 left completed (course-service announces it with events).
    app.delete_lecture(&course.owner, &course.id, &l[0]).await;
    let data = eventually(EVENT_TIMEOUT, "lecture deletion seen", async || {
        let data = data_of(app.get_progress(&student.token, &course.id).await).await;
        (data["progress"].as_array().unwrap().len() == 2).then_some(data)
    })
    .await;
    assert_eq!(data["completionPercentage"], 50);
    assert!(
        data["progress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["lectureId"] != l[0].as_str())
    );

    // Deleting the unfinished one: everything left is completed, exactly 100, never more.
    app.delete_lecture(&course.owner, &course.id, &l[2]).await;
    let data = eventually(EVENT_TIMEOUT, "second deletion seen", async || {
        let data = data_of(app.get_progress(&student.token, &course.id).await).await;
        (data["progress"].as_array().unwrap().len() == 1).then_some(data)
    })
    .await;
    assert_eq!(data["completionPercentage"], 100);
    assert_eq!(lecture_of(&data, &l[1])["isCompleted"], true);
}

#[tokio::test]
async fn a_lecture_added_to_a_completed_course_lowers_the_live_percentage_and_keeps_completed_at() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0]).await;
    let student = app.student_in(&course.id).await;
    let data = data_of(app.complete(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 100);
    let completed_at = data["completedAt"].clone();
    assert!(completed_at.is_string());

    let added = app.add_lecture(&course.owner, &course.id, 2, 60.0).await;
    let data = eventually(EVENT_TIMEOUT, "added lecture seen", async || {
        let data = data_of(app.get_progress(&student.token, &course.id).await).await;
        (data["progress"].as_array().unwrap().len() == 2).then_some(data)
    })
    .await;
    assert_eq!(data["completionPercentage"], 50);
    assert_eq!(data["isCompleted"], true);
    assert_eq!(data["completedAt"], completed_at);
    assert_eq!(lecture_of(&data, &added)["isCompleted"], false);

    // Finishing the new lecture brings the course back to 100 without a second completion.
    let body = json!({ "isCompleted": true });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, &added, &body)
            .await,
    )
    .await;
    assert_eq!(data["completionPercentage"], 100);
    assert_eq!(data["completedAt"], completed_at);
    app.expect_completed_events(1).await;
}
