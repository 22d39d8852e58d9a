//! One student's record: the zero record, heartbeats (first call applies, unique seconds, clamping,
//! garbage refused), completion by threshold and explicitly, complete and reset, resume.

use serde_json::json;

use crate::helpers::{TestApp, data_of, json_of, lecture_of};

#[tokio::test]
async fn an_enrolled_student_without_a_record_gets_a_zero_record_and_the_first_update_applies() {
    let app = TestApp::spawn().await;
    let course = app.course(&[120.0, 60.0]).await;
    let student = app.student_in(&course.id).await;

    let data = data_of(app.get_progress(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 0);
    assert_eq!(data["isCompleted"], false);
    assert_eq!(data["completedAt"], serde_json::Value::Null);
    assert_eq!(data["courseDetails"]["_id"], course.id.as_str());
    assert_eq!(
        data["courseDetails"]["lectures"].as_array().unwrap().len(),
        2
    );
    for lecture in &course.lectures {
        let entry = lecture_of(&data, lecture);
        assert_eq!(entry["isCompleted"], false);
        assert_eq!(entry["watchTime"], 0);
        assert_eq!(entry["lastPosition"], 0.0);
    }

    // The seed created the record on the first PATCH and dropped the update; here it applies.
    let body = json!({ "isCompleted": true, "lastPosition": 30 });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, &course.lectures[1], &body)
            .await,
    )
    .await;
    let entry = lecture_of(&data, &course.lectures[1]);
    assert_eq!(entry["isCompleted"], true);
    assert_eq!(entry["lastPosition"], 30.0);
    assert!(entry["completedAt"].is_string());
    assert_eq!(data["completionPercentage"], 50);
    assert!(data["lastAccessed"].is_string());
    let again = data_of(app.get_progress(&student.token, &course.id).await).await;
    assert_eq!(again["completionPercentage"], 50);
}

#[tokio::test]
async fn rewatching_a_minute_counts_once_positions_clamp_and_garbage_is_400() {
    let app = TestApp::spawn().await;
    let course = app.course(&[120.0]).await;
    let student = app.student_in(&course.id).await;
    let lecture = &course.lectures[0];

    for _ in 0..2 {
        let body = json!({ "watched": [[0, 60]], "lastPosition": 60 });
        let res = app
            .patch_lecture(&student.token, &course.id, lecture, &body)
            .await;
        let data = data_of(res).await;
        let entry = lecture_of(&data, lecture);
        assert_eq!(entry["watchTime"], 60, "{entry}");
        assert_eq!(entry["watched"], json!([[0, 60]]));
        assert_eq!(entry["isCompleted"], false);
    }
    // Overlapping and far-past-the-end values merge and clamp to the 120 s lecture.
    let body = json!({ "watched": [[50, 70], [100, 5000]], "lastPosition": 99999 });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, lecture, &body)
            .await,
    )
    .await;
    let entry = lecture_of(&data, lecture);
    assert_eq!(entry["watched"], json!([[0, 70], [100, 120]]));
    assert_eq!(entry["watchTime"], 90);
    assert_eq!(entry["lastPosition"], 120.0);

    let too_many: Vec<[u32; 2]> = (0..101).map(|i| [i, i + 1]).collect();
    for (body, field) in [
        (json!({ "watched": [[-1, 10]] }), "watched[0]"),
        (json!({ "watched": [[0, 5], [30, 10]] }), "watched[1]"),
        (json!({ "watched": [[0, 5, 6]] }), "watched[0]"),
        (json!({ "watched": too_many }), "watched"),
        (json!({ "lastPosition": -0.5 }), "lastPosition"),
        // Type errors are caught while parsing the JSON (the field is named when serde can).
        (json!({ "lastPosition": "ten" }), ""),
        (json!({ "watched": [["a", 1]] }), ""),
    ] {
        let res = app
            .patch_lecture(&student.token, &course.id, lecture, &body)
            .await;
        let err = json_of(res, 400).await;
        assert_eq!(err["error"], "VALIDATION_ERROR", "{body}");
        assert!(
            err["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}: {err}"
        );
    }
    // Nothing of the refused requests was stored.
    let data = data_of(app.get_progress(&student.token, &course.id).await).await;
    assert_eq!(lecture_of(&data, lecture)["watchTime"], 90);
}

#[tokio::test]
async fn a_lecture_completes_at_the_threshold_or_explicitly_and_only_an_explicit_false_undoes_it() {
    let app = TestApp::spawn().await;
    let course = app.course(&[100.0, 100.0]).await;
    let student = app.student_in(&course.id).await;
    let (first, second) = (&course.lectures[0], &course.lectures[1]);

    // 89 of 100 seconds: not yet; 90: completed (COMPLETION_THRESHOLD 0.9).
    let body = json!({ "watched": [[0, 89]] });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, first, &body)
            .await,
    )
    .await;
    assert_eq!(lecture_of(&data, first)["isCompleted"], false);
    let body = json!({ "watched": [[88, 90]] });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, first, &body)
            .await,
    )
    .await;
    assert_eq!(lecture_of(&data, first)["isCompleted"], true);
    assert_eq!(data["completionPercentage"], 50);
    let completed_at = lecture_of(&data, first)["completedAt"].clone();
    assert!(completed_at.is_string());

    // Re-watching and heartbeats without isCompleted keep it completed, with its first completion time.
    let body = json!({ "watched": [[0, 10]], "lastPosition": 10 });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, first, &body)
            .await,
    )
    .await;
    assert_eq!(lecture_of(&data, first)["isCompleted"], true);
    assert_eq!(lecture_of(&data, first)["completedAt"], completed_at);

    // An explicit false un-completes and starts the lecture's seconds over.
    let body = json!({ "isCompleted": false });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, first, &body)
            .await,
    )
    .await;
    let entry = lecture_of(&data, first);
    assert_eq!(entry["isCompleted"], false);
    assert_eq!(entry["watchTime"], 0);
    assert_eq!(entry["completedAt"], serde_json::Value::Null);
    assert_eq!(data["completionPercentage"], 0);

    // An explicit true completes without watching.
    let body = json!({ "isCompleted": true });
    let data = data_of(
        app.patch_lecture(&student.token, &course.id, second, &body)
            .await,
    )
    .await;
    assert_eq!(lecture_of(&data, second)["isCompleted"], true);
    assert_eq!(lecture_of(&data, second)["watchTime"], 0);
    assert_eq!(data["completionPercentage"], 50);
    assert_eq!(data["isCompleted"], false);
}

#[tokio::test]
async fn complete_reaches_100_percent_and_reset_returns_to_zero() {
    let app = TestApp::spawn().await;
    let course = app.course(&[30.0, 40.0, 50.0]).await;
    let student = app.student_in(&course.id).await;
    let body = json!({ "watched": [[0, 20]], "lastPosition": 20 });
    let res = app
        .patch_lecture(&student.token, &course.id, &course.lectures[0], &body)
        .await;
    data_of(res).await;

    let data = data_of(app.complete(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 100);
    assert_eq!(data["isCompleted"], true);
    let completed_at = data["completedAt"].clone();
    assert!(completed_at.is_string());
    assert!(
        data["progress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["isCompleted"] == true)
    );

    let data = data_of(app.reset(&student.token, &course.id).await).await;
    assert_eq!(data["completionPercentage"], 0);
    for lecture in &course.lectures {
        let entry = lecture_of(&data, lecture);
        assert_eq!(entry["isCompleted"], false);
        assert_eq!(entry["watchTime"], 0);
    }
    // Completing the course was a moment that happened: it stays recorded (sticky), and is told once.
    assert_eq!(data["completedAt"], completed_at);
    let again = data_of(app.complete(&student.token, &course.id).await).await;
    assert_eq!(again["completedAt"], completed_at);
    let events = app.expect_completed_events(1).await;
    assert_eq!(events[0]["userId"], student.id.as_str());
    assert_eq!(events[0]["courseId"], course.id.as_str());
}

#[tokio::test]
async fn resume_points_at_the_latest_unfinished_lecture_then_the_next_one() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0, 60.0, 60.0]).await;
    let student = app.student_in(&course.id).await;
    let l = &course.lectures;

    let data = data_of(app.resume(&student.token, &course.id).await).await;
    assert_eq!(data, json!({ "lectureId": l[0], "lastPosition": 0.0 }));

    for (lecture, position) in [(&l[0], 25), (&l[1], 12)] {
        let body = json!({ "watched": [[0, position]], "lastPosition": position });
        data_of(
            app.patch_lecture(&student.token, &course.id, lecture, &body)
                .await,
        )
        .await;
    }
    let data = data_of(app.resume(&student.token, &course.id).await).await;
    assert_eq!(data, json!({ "lectureId": l[1], "lastPosition": 12.0 }));

    // The latest one finished: continue with the next in order.
    let body = json!({ "isCompleted": true });
    data_of(
        app.patch_lecture(&student.token, &course.id, &l[1], &body)
            .await,
    )
    .await;
    let data = data_of(app.resume(&student.token, &course.id).await).await;
    assert_eq!(data, json!({ "lectureId": l[2], "lastPosition": 0.0 }));
}
