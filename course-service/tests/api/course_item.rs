//! `GET/PATCH/DELETE /courses/{courseId}` and `PATCH /courses/{courseId}/publish`: visibility of drafts,
//! who may change what, ids, and the media that goes with a course.

use serde_json::{Value, json};

use crate::helpers::{expect_error, files_under, form, png, spawn_app, tampered};

const UNKNOWN: &str = "/api/v1/courses/5f0c2f1e9b1e8a3d4c5b6a79";

#[tokio::test]
async fn a_draft_is_404_to_everyone_but_its_owner_and_admins() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let other = app.user("instructor").await;
    let student = app.user("student").await;
    let admin = app.admin().await;
    let course = app.create_course(&owner.token, "Draft").await;
    let path = format!("/api/v1/courses/{}", course["_id"].as_str().unwrap());
    for token in [
        None,
        Some(other.token.as_str()),
        Some(student.token.as_str()),
    ] {
        expect_error(app.get(&path, token).await, 404, "NOT_FOUND").await;
        expect_error(
            app.get(&format!("{path}/lectures"), token).await,
            404,
            "NOT_FOUND",
        )
        .await;
    }
    for token in [&owner.token, &admin.token] {
        let res = app.get(&path, Some(token)).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["course"]["title"], "Draft");
        assert_eq!(body["course"]["lectures"], json!([]));
    }
    expect_error(
        app.get(&path, Some(&tampered(&student.token))).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
}

#[tokio::test]
async fn malformed_ids_are_400_and_unknown_ones_404() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    expect_error(
        app.get("/api/v1/courses/not-an-id", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(app.get(UNKNOWN, None).await, 404, "NOT_FOUND").await;
    let res = app
        .patch_json(
            "/api/v1/courses/xyz",
            Some(&owner.token),
            json!({ "title": "x" }),
        )
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;
    let res = app
        .patch_json(UNKNOWN, Some(&owner.token), json!({ "title": "x" }))
        .await;
    expect_error(res, 404, "NOT_FOUND").await;
    expect_error(
        app.delete(UNKNOWN, Some(&owner.token)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        app.delete("/api/v1/courses/123", Some(&owner.token)).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(
        app.publish(&owner.token, "5f0c2f1e9b1e8a3d4c5b6a79", true)
            .await,
        404,
        "NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn the_owner_updates_by_json_or_multipart_and_the_old_thumbnail_is_removed() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Old").await;
    let path = format!("/api/v1/courses/{}", course["_id"].as_str().unwrap());
    let res = app
        .patch_json(
            &path,
            Some(&owner.token),
            json!({ "title": "New", "price": 12.5, "level": "intermediate" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["course"]["title"], "New");
    assert_eq!(body["course"]["price"], 12.5);
    assert_eq!(body["course"]["level"], "intermediate");
    assert_eq!(
        body["course"]["subtitle"], "Learn it",
        "untouched fields stay"
    );

    let old = app.media_file(course["thumbnail"].as_str().unwrap());
    assert!(old.exists());
    let res = app
        .patch_form(
            &path,
            Some(&owner.token),
            form(
                &[("subtitle", "Fresh")],
                Some(("thumbnail", "n.png", png())),
            ),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let new = app.media_file(body["course"]["thumbnail"].as_str().unwrap());
    assert!(new.exists());
    assert!(!old.exists(), "the replaced thumbnail is removed");
    assert_eq!(body["course"]["subtitle"], "Fresh");

    let res = app
        .patch_json(
            &path,
            Some(&owner.token),
            json!({ "title": "t".repeat(101) }),
        )
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;
    let res = app
        .patch_json(&path, Some(&owner.token), json!({ "instructor": "me" }))
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;
    let res = app
        .patch_json(&path, Some(&owner.token), json!({ "price": -0.01 }))
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn another_instructor_cannot_edit_publish_or_delete_a_course_but_an_admin_can() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let other = app.user("instructor").await;
    let student = app.user("student").await;
    let admin = app.admin().await;
    let course = app.create_course(&owner.token, "Mine").await;
    let id = course["_id"].as_str().unwrap();
    app.add_lecture(&owner.token, id, "L", 1, false).await;
    let path = format!("/api/v1/courses/{id}");
    for token in [&other.token, &student.token] {
        expect_error(
            app.patch_json(&path, Some(token), json!({ "title": "Theirs" }))
                .await,
            403,
            "FORBIDDEN",
        )
        .await;
        expect_error(app.publish(token, id, true).await, 403, "FORBIDDEN").await;
        expect_error(app.delete(&path, Some(token)).await, 403, "FORBIDDEN").await;
    }
    expect_error(
        app.patch_json(&path, None, json!({ "title": "x" })).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    expect_error(app.delete(&path, None).await, 401, "UNAUTHORIZED").await;
    let res = app
        .patch_json(&path, Some(&admin.token), json!({ "title": "Moderated" }))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.publish(&admin.token, id, true).await.status(), 200);
    assert_eq!(app.delete(&path, Some(&admin.token)).await.status(), 200);
}

#[tokio::test]
async fn publishing_needs_a_lecture_and_unpublishing_hides_the_course_again() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Empty").await;
    let id = course["_id"].as_str().unwrap();
    let body = expect_error(
        app.publish(&owner.token, id, true).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("lecture"));
    let res = app
        .patch_json(
            &format!("/api/v1/courses/{id}/publish"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;

    app.add_lecture(&owner.token, id, "L", 1, false).await;
    let res = app.publish(&owner.token, id, true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["course"]["isPublished"],
        true
    );
    assert_eq!(
        app.get(&format!("/api/v1/courses/{id}"), None)
            .await
            .status(),
        200
    );
    assert_eq!(app.publish(&owner.token, id, false).await.status(), 200);
    assert_eq!(
        app.get(&format!("/api/v1/courses/{id}"), None)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn deleting_is_refused_with_enrolled_students_unless_admin_and_removes_all_media() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let admin = app.admin().await;
    let (course, _) = app.published_course(&owner, "Popular").await;
    let id = course["_id"].as_str().unwrap();
    app.enrol(&student, id).await;
    let path = format!("/api/v1/courses/{id}");
    expect_error(app.delete(&path, Some(&owner.token)).await, 409, "CONFLICT").await;
    assert!(files_under(&app.media_dir.join("videos")).len() == 1);
    let res = app.delete(&path, Some(&admin.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "Course deleted successfully"
    );
    assert_eq!(app.get(&path, Some(&admin.token)).await.status(), 404);
    assert!(files_under(&app.media_dir.join("videos")).is_empty());
    assert!(files_under(&app.media_dir.join("thumbnails")).is_empty());

    let draft = app.create_course(&owner.token, "Unloved").await;
    let res = app
        .delete(
            &format!("/api/v1/courses/{}", draft["_id"].as_str().unwrap()),
            Some(&owner.token),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "the owner deletes a course nobody bought"
    );
}

#[tokio::test]
async fn own_courses_list_drafts_for_instructors_and_refuse_students() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let other = app.user("instructor").await;
    let student = app.user("student").await;
    app.create_course(&owner.token, "One").await;
    app.create_course(&owner.token, "Two").await;
    app.create_course(&other.token, "Theirs").await;
    let res = app.get("/api/v1/courses", Some(&owner.token)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let titles: Vec<_> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].clone())
        .collect();
    assert_eq!(titles, [json!("Two"), json!("One")]);
    assert_eq!(body["pagination"]["total"], 2);
    expect_error(
        app.get("/api/v1/courses", Some(&student.token)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(app.get("/api/v1/courses", None).await, 401, "UNAUTHORIZED").await;
    expect_error(
        app.get("/api/v1/courses?page=0", Some(&owner.token)).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
}
