//! `/metrics` on the service's own port after real traffic: request families by route pattern (never the
//! raw path), store command latency, event consumption and the outbox backlog.

use test_support::{EVENT_TIMEOUT, eventually};

use crate::helpers::spawn_app;

#[tokio::test]
async fn metrics_follow_requests_store_calls_and_events_with_bounded_labels() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let (course, _) = app.published_course(&owner, "Observed").await;
    let id = course["_id"].as_str().unwrap();
    let res = app
        .client
        .get(app.url(&format!("/api/v1/courses/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.enrol(&student, id).await;

    let series = [
        r#"http_requests_total{method="GET",route="/api/v1/courses/{courseId}",status="2xx"}"#,
        r#"http_requests_total{method="POST",route="/api/v1/courses",status="2xx"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/courses/{courseId}",status="2xx",le="+Inf"}"#,
        r#"store_command_duration_seconds_count{store="mongodb",command="find",outcome="ok"}"#,
        r#"store_command_duration_seconds_count{store="mongodb",command="insert",outcome="ok"}"#,
        r#"events_handled_total{topic="purchase.completed",group="course-service",outcome="ok"}"#,
        r#"events_consumer_lag{topic="purchase.completed",group="course-service"}"#,
        "outbox_backlog",
        "http_requests_in_flight",
    ];
    // The event is counted once its handler returned, a moment after the enrolment became visible.
    let text = eventually(EVENT_TIMEOUT, "every metric family", async || {
        let res = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        series
            .iter()
            .all(|s| body.lines().any(|line| line.starts_with(s)))
            .then_some(body)
    })
    .await;
    assert!(!text.contains(id), "a course id became a label");
    assert!(!text.contains(&student.id), "a user id became a label");
}
