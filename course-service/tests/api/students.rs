//! `GET /courses/{courseId}/students`: enrolled students with names and e-mails, for the owner or admins.

use serde_json::Value;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn the_owner_and_admins_list_enrolled_students_with_name_email_and_date() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let other = app.user("instructor").await;
    let student = app.user("student").await;
    let admin = app.admin().await;
    let (course, _) = app.published_course(&owner, "Class").await;
    let id = course["_id"].as_str().unwrap();
    app.enrol(&student, id).await;
    let path = format!("/api/v1/courses/{id}/students");
    for token in [&owner.token, &admin.token] {
        let res = app.get(&path, Some(token)).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        let row = &body["data"][0];
        assert_eq!(row["_id"], student.id.as_str());
        assert!(row["name"].as_str().unwrap().starts_with("student"));
        assert!(row["email"].as_str().unwrap().ends_with("@example.com"));
        assert!(row["enrolledAt"].is_string());
        assert_eq!(body["pagination"]["total"], 1);
    }
    expect_error(app.get(&path, Some(&other.token)).await, 403, "FORBIDDEN").await;
    expect_error(app.get(&path, Some(&student.token)).await, 403, "FORBIDDEN").await;
    expect_error(app.get(&path, None).await, 401, "UNAUTHORIZED").await;
    expect_error(
        app.get("/api/v1/courses/zzz/students", Some(&owner.token))
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(
        app.get(&format!("{path}?limit=0"), Some(&owner.token))
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
}
