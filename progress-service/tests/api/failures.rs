//! When a dependency fails the client gets the envelope and nothing of the cause: course-service down is a
//! 503, a database failure a 500 (the sabotage test).

use test_support::closed_port;

use crate::helpers::{TestApp, json_of};

#[tokio::test]
async fn course_service_down_is_a_503_and_a_database_failure_a_500_without_internals() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let app = TestApp::spawn_with(&[("COURSE_SERVICE_URL", &dead)]).await;
    let student = app.services.sign_up("student").await;
    let err = json_of(
        app.get_progress(&student.token, "65f000000000000000000000")
            .await,
        503,
    )
    .await;
    assert_eq!(err["error"], "SERVICE_UNAVAILABLE");
    assert_eq!(err["status"], "error");
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");

    // A database nobody listens on: course-service answers, the record read fails.
    let dead_db = format!("mongodb://127.0.0.1:{}", closed_port());
    let app = TestApp::spawn_with(&[("MONGO_URI", &dead_db)]).await;
    let course = app.course(&[60.0]).await;
    let student = app.student_in(&course.id).await;
    let err = json_of(app.get_progress(&student.token, &course.id).await, 500).await;
    assert_eq!(err["error"], "INTERNAL_ERROR");
    let text = err.to_string().to_lowercase();
    for leak in ["mongo", "127.0.0.1", "server selection", "connection"] {
        assert!(!text.contains(leak), "{leak} leaked: {err}");
    }
    assert!(err["requestId"].is_string());
}
