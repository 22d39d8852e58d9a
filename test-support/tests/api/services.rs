//! `Services` starts a real auth- and course-service that trust each other: a user signs up, an instructor
//! publishes a course, a purchase event enrols a student.

use std::time::Duration;

use test_support::{Services, eventually, init_logs, logs};

#[tokio::test]
async fn a_student_is_enrolled_in_a_published_course_through_a_purchase_event() {
    let services = Services::spawn().await;
    let admin = services.admin().await;
    assert!(!admin.id.is_empty() && !admin.token.is_empty());
    let (owner, course) = services.instructor_with_course("Harness", 2).await;
    assert_eq!(course.lectures.len(), 2);
    assert_eq!(course.course["instructor"]["_id"], owner.id.as_str());
    let student = services.sign_up("student").await;
    assert!(!services.course.is_enrolled(&student.id, &course.id).await);
    services.enrol(&student.id, &course.id).await;
    assert!(services.course.is_enrolled(&student.id, &course.id).await);
    // Both services log through the harness' subscriber.
    init_logs();
    assert!(
        logs().contains("auth_service"),
        "nothing logged by auth-service"
    );
}

#[tokio::test]
async fn eventually_returns_the_first_value_and_names_what_never_happened() {
    let mut calls = 0;
    let value = eventually(Duration::from_secs(1), "third call", async || {
        calls += 1;
        (calls == 3).then_some(calls)
    })
    .await;
    assert_eq!(value, 3);

    let never = tokio::spawn(eventually(
        Duration::from_millis(120),
        "the impossible",
        async || None::<()>,
    ));
    let panic = never.await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("the impossible"), "{message}");
}
