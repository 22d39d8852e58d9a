//! `POST /courses`: who may create, the field limits, and thumbnail checks (415, 413, nothing left behind).

use serde_json::Value;

use crate::helpers::{
    course_fields, expect_error, files_under, form, png, spawn_app, spawn_app_with_vars, tampered,
};

fn fields_with<'a>(
    base: &'a [(&'static str, String)],
    name: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    base.iter()
        .map(|(k, v)| (*k, if *k == name { value } else { v.as_str() }))
        .collect()
}

#[tokio::test]
async fn an_instructor_creates_an_unpublished_course_with_a_public_thumbnail() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Rust from zero").await;
    assert_eq!(course["title"], "Rust from zero");
    assert_eq!(course["price"], 49.99);
    assert_eq!(course["level"], "beginner");
    assert_eq!(course["isPublished"], false);
    assert_eq!(course["totalLectures"], 0);
    assert_eq!(course["enrolledStudents"], 0);
    assert_eq!(course["instructor"]["_id"], owner.id.as_str());
    assert!(
        course["instructor"]["name"]
            .as_str()
            .unwrap()
            .starts_with("instructor")
    );
    let thumbnail = course["thumbnail"].as_str().unwrap();
    assert!(
        thumbnail.starts_with("/api/v1/media/thumbnails/"),
        "{thumbnail}"
    );
    let res = app.get(thumbnail, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png());
}

#[tokio::test]
async fn an_admin_may_create_a_course_and_the_level_defaults_to_beginner() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .create_course_with(
            Some(&admin.token),
            &[("title", "T"), ("category", "c"), ("price", "0")],
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Course created successfully");
    assert_eq!(body["course"]["level"], "beginner");
    assert_eq!(body["course"]["price"], 0.0);
}

#[tokio::test]
async fn a_student_cannot_create_a_course() {
    let app = spawn_app().await;
    let student = app.user("student").await;
    let base = course_fields("Nope");
    let res = app
        .create_course_with(Some(&student.token), &fields_with(&base, "", ""))
        .await;
    expect_error(res, 403, "FORBIDDEN").await;
}

#[tokio::test]
async fn creating_without_a_token_or_with_a_tampered_one_is_401() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let base = course_fields("Nope");
    let fields = fields_with(&base, "", "");
    let body = expect_error(
        app.create_course_with(None, &fields).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    assert_eq!(body["message"], "You are not logged in");
    let res = app
        .create_course_with(Some(&tampered(&owner.token)), &fields)
        .await;
    let body = expect_error(res, 401, "UNAUTHORIZED").await;
    assert_eq!(body["message"], "JWT token error");
    let res = app.create_course_with(Some("not.a.jwt"), &fields).await;
    expect_error(res, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn the_token_cookie_authenticates_too() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let res = app
        .client
        .get(app.url("/api/v1/courses"))
        .header("cookie", format!("token={}", owner.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn every_field_limit_holds_at_its_boundary() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let base = course_fields("Boundaries");
    let t100 = "t".repeat(100);
    let t101 = "t".repeat(101);
    let s200 = "s".repeat(200);
    let s201 = "s".repeat(201);
    let cases: [(&str, &str, u16); 10] = [
        ("title", &t100, 201),
        ("title", &t101, 400),
        ("title", "   ", 400),
        ("subtitle", &s200, 201),
        ("subtitle", &s201, 400),
        ("price", "0", 201),
        ("price", "-0.01", 400),
        ("price", "ten", 400),
        ("level", "advanced", 201),
        ("level", "expert", 400),
    ];
    for (field, value, status) in cases {
        let res = app
            .create_course_with(Some(&owner.token), &fields_with(&base, field, value))
            .await;
        assert_eq!(res.status(), status, "{field} = {value:.20}");
        if status == 400 {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "VALIDATION_ERROR");
            assert_eq!(body["errors"][0]["field"], field, "{body}");
        }
    }
}

#[tokio::test]
async fn required_fields_and_the_thumbnail_are_required() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(&owner.token),
            form(&[("title", "No thumb")], None),
        )
        .await;
    let body = expect_error(res, 400, "VALIDATION_ERROR").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["category", "price", "thumbnail"]);
    let res = app
        .request(reqwest::Method::POST, "/api/v1/courses", Some(&owner.token))
        .json(&serde_json::json!({ "title": "json" }))
        .send()
        .await
        .unwrap();
    expect_error(res, 415, "UNSUPPORTED_MEDIA_TYPE").await;
}

#[tokio::test]
async fn a_thumbnail_that_is_not_an_image_is_refused_with_415_and_leaves_no_file() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let base = course_fields("Bad thumb");
    let fields = fields_with(&base, "", "");
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(&owner.token),
            form(
                &fields,
                Some((
                    "thumbnail",
                    "thumb.png",
                    b"GIF8 not really an image at all".to_vec(),
                )),
            ),
        )
        .await;
    expect_error(res, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    assert!(
        files_under(&app.media_dir).is_empty(),
        "{:?}",
        files_under(&app.media_dir)
    );
}

#[tokio::test]
async fn an_oversized_thumbnail_is_refused_with_413_and_leaves_no_file() {
    let app = spawn_app_with_vars(&[("THUMBNAIL_MAX_BYTES", "1024")]).await;
    let owner = app.user("instructor").await;
    let base = course_fields("Big thumb");
    let fields = fields_with(&base, "", "");
    let mut big = png();
    big.resize(1025, 7);
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(&owner.token),
            form(&fields, Some(("thumbnail", "big.png", big))),
        )
        .await;
    let body = expect_error(res, 413, "PAYLOAD_TOO_LARGE").await;
    assert_eq!(body["details"]["maxBytes"], 1024);
    assert!(
        files_under(&app.media_dir).is_empty(),
        "{:?}",
        files_under(&app.media_dir)
    );
    let mut exact = png();
    exact.resize(1024, 7);
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(&owner.token),
            form(&fields, Some(("thumbnail", "ok.png", exact))),
        )
        .await;
    assert_eq!(res.status(), 201, "exactly the limit is fine");
}

#[tokio::test]
async fn unknown_form_fields_are_refused() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let base = course_fields("Extra");
    let mut fields = fields_with(&base, "", "");
    fields.push(("isPublished", "true"));
    let res = app.create_course_with(Some(&owner.token), &fields).await;
    let body = expect_error(res, 400, "VALIDATION_ERROR").await;
    assert_eq!(body["errors"][0]["field"], "isPublished");
    assert!(files_under(&app.media_dir).is_empty());
}
