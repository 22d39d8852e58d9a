//! Concurrent writes to one record lose nothing, and `course.completed` goes out exactly once. Requests
//! run with bounded concurrency (8 at a time): the test MongoDB (SecantusDB, pure Python) drops
//! connections beyond a few concurrent clients, while MongoDB itself would take all 50 at once.

use futures_util::StreamExt;
use futures_util::stream;
use serde_json::json;

use crate::helpers::{TestApp, data_of, lecture_of};

/// How many requests are in flight at once (see the module doc).
const IN_FLIGHT: usize = 8;

#[tokio::test]
async fn fifty_concurrent_heartbeats_on_one_record_lose_no_segment() {
    let app = TestApp::spawn().await;
    let course = app.course(&[200.0]).await;
    let student = app.student_in(&course.id).await;
    let lecture = &course.lectures[0];
    // Segment i is [3i, 3i + 1]: 50 disjoint seconds, so any lost write shows as a missing run.
    let statuses: Vec<u16> = stream::iter(0..50u32)
        .map(|i| {
            let body = json!({ "watched": [[3 * i, 3 * i + 1]], "lastPosition": 3 * i + 1 });
            let (app, token, course) = (&app, &student.token, &course.id);
            async move {
                app.patch_lecture(token, course, lecture, &body)
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    let data = data_of(app.get_progress(&student.token, &course.id).await).await;
    let entry = lecture_of(&data, lecture);
    assert_eq!(entry["watchTime"], 50);
    let expected: Vec<[u32; 2]> = (0..50).map(|i| [3 * i, 3 * i + 1]).collect();
    assert_eq!(entry["watched"], json!(expected));
    // One record per (user, course), however many first writes raced.
    let records = app
        .db
        .handle()
        .await
        .collection::<mongodb::bson::Document>("progress")
        .count_documents(mongodb::bson::doc! {})
        .await
        .unwrap();
    assert_eq!(records, 1);
}

#[tokio::test]
async fn course_completed_is_published_exactly_once_when_the_last_two_lectures_complete_together() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0, 60.0, 60.0]).await;
    let student = app.student_in(&course.id).await;
    let body = json!({ "isCompleted": true });
    let l = &course.lectures;
    data_of(
        app.patch_lecture(&student.token, &course.id, &l[0], &body)
            .await,
    )
    .await;

    // The last two from two "tabs" at once, each sent twice, plus a course completion, all together.
    let requests = [&l[1], &l[2], &l[1], &l[2]];
    let (patches, complete) = futures_util::join!(
        futures_util::future::join_all(requests.iter().map(|lecture| app.patch_lecture(
            &student.token,
            &course.id,
            lecture,
            &body
        ))),
        app.complete(&student.token, &course.id),
    );
    let mut completed_at = Vec::new();
    for res in patches.into_iter().chain([complete]) {
        completed_at.push(data_of(res).await["completedAt"].clone());
    }
    let events = app.expect_completed_events(1).await;
    assert_eq!(events[0]["userId"], student.id.as_str());
    let data = data_of(app.get_progress(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 100);
    assert_eq!(events[0]["completedAt"], data["completedAt"]);
    // An answer either saw the course not yet completed or completed at that one moment.
    assert!(
        completed_at
            .iter()
            .all(|c| c.is_null() || *c == data["completedAt"]),
        "{completed_at:?}"
    );
    // /metrics counts the heartbeats and the one course completion.
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"progress_completions_total{kind="course"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("progress_heartbeats_total 5"), "{metrics}");
}
