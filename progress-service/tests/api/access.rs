//! Who may do what: anonymous 401, tampered token 401, malformed ids 400, unknown course or lecture 404,
//! not enrolled 403 on every route, owner and admin may read but not write, stats for managers only.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, data_of, json_of};

const UNKNOWN_ID: &str = "65f000000000000000000000";

#[tokio::test]
async fn every_route_refuses_anonymous_tampered_malformed_unknown_and_unenrolled_callers() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0]).await;
    let lecture = &course.lectures[0];
    let outsider = app.services.sign_up("student").await;
    let c = &course.id;
    let routes = [
        (Method::GET, format!("/progress/{c}")),
        (Method::PATCH, format!("/progress/{c}/lectures/{lecture}")),
        (Method::GET, format!("/progress/{c}/resume")),
        (Method::POST, format!("/progress/{c}/complete")),
        (Method::POST, format!("/progress/{c}/reset")),
        (Method::GET, format!("/progress/{c}/stats")),
    ];
    let tampered = test_support::tampered(&outsider.token);
    for (method, path) in &routes {
        let send = |token: Option<&str>, path: String| {
            let mut req = app
                .client
                .request(method.clone(), app.url(&path))
                .json(&json!({ "watched": [[0, 1]] }));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            req.send()
        };
        let err = json_of(send(None, path.clone()).await.unwrap(), 401).await;
        assert_eq!(err["message"], "You are not logged in", "{method} {path}");
        let err = json_of(send(Some(&tampered), path.clone()).await.unwrap(), 401).await;
        assert_eq!(err["message"], "JWT token error", "{method} {path}");

        let malformed = path.replacen(c.as_str(), "not-an-id", 1);
        let err = json_of(send(Some(&outsider.token), malformed).await.unwrap(), 400).await;
        assert_eq!(err["errors"][0]["field"], "courseId", "{method} {path}");

        let unknown = path.replacen(c.as_str(), UNKNOWN_ID, 1);
        let err = json_of(send(Some(&outsider.token), unknown).await.unwrap(), 404).await;
        assert_eq!(err["message"], "Course not found", "{method} {path}");

        let err = json_of(
            send(Some(&outsider.token), path.clone()).await.unwrap(),
            403,
        )
        .await;
        assert_eq!(err["error"], "FORBIDDEN", "{method} {path}");
    }
    let err = json_of(app.summary("").await, 401).await;
    assert_eq!(err["success"], false);

    // An enrolled student: a lecture id that is malformed is 400, one the course lacks 404.
    let student = app.student_in(&course.id).await;
    let body = json!({ "watched": [[0, 1]] });
    let err = json_of(
        app.patch_lecture(&student.token, c, "nope", &body).await,
        400,
    )
    .await;
    assert_eq!(err["errors"][0]["field"], "lectureId");
    let err = json_of(
        app.patch_lecture(&student.token, c, UNKNOWN_ID, &body)
            .await,
        404,
    )
    .await;
    assert_eq!(err["message"], "Lecture not found");
    // ...and statistics stay the managers'.
    json_of(app.stats(&student.token, c).await, 403).await;
}

#[tokio::test]
async fn the_owner_and_admins_read_records_and_stats_but_only_students_change_progress() {
    let app = TestApp::spawn().await;
    let course = app.course(&[60.0]).await;
    let admin = app.services.admin().await;
    let other = app.services.sign_up("instructor").await;
    for manager in [&course.owner, &admin] {
        let data = data_of(app.get_progress(&manager.token, &course.id).await).await;
        assert_eq!(data["completionPercentage"], 0);
        data_of(app.stats(&manager.token, &course.id).await).await;
        json_of(app.complete(&manager.token, &course.id).await, 403).await;
        let body = json!({ "isCompleted": true });
        let res = app
            .patch_lecture(&manager.token, &course.id, &course.lectures[0], &body)
            .await;
        json_of(res, 403).await;
    }
    let err = json_of(app.stats(&other.token, &course.id).await, 403).await;
    assert_eq!(
        err["message"],
        "Only the course's instructor or an admin may see its statistics"
    );
    json_of(app.get_progress(&other.token, &course.id).await, 403).await;
}

#[tokio::test]
async fn a_cached_enrolment_answer_gives_way_to_the_purchase_and_refund_events() {
    use shared::events::{EventEnvelope, PURCHASE_REFUNDED, PurchaseRefunded};
    use test_support::{EVENT_TIMEOUT, eventually};

    let app = TestApp::spawn().await;
    let course = app.course(&[60.0]).await;
    let student = app.services.sign_up("student").await;
    // "Not enrolled" is cached for ENROLMENT_CACHE_SECS (30 s): only the events can end it within the
    // 15 s the checks below wait.
    json_of(app.get_progress(&student.token, &course.id).await, 403).await;
    app.services.enrol(&student.id, &course.id).await;
    eventually(
        EVENT_TIMEOUT,
        "enrolment seen by progress-service",
        async || {
            let res = app.get_progress(&student.token, &course.id).await;
            (res.status() == 200).then_some(())
        },
    )
    .await;

    let refund = EventEnvelope::new(
        PURCHASE_REFUNDED,
        PurchaseRefunded {
            purchase_id: "refund-test".into(),
            user_id: student.id.clone(),
            course_id: course.id.clone(),
        },
    );
    app.services
        .course
        .publish_event(PURCHASE_REFUNDED, &refund)
        .await;
    eventually(
        EVENT_TIMEOUT,
        "refund seen by progress-service",
        async || {
            let res = app.get_progress(&student.token, &course.id).await;
            (res.status() == 403).then_some(())
        },
    )
    .await;
}
