//! Lectures: add (duration from the container, magic bytes), list in order, update, delete, limits.

use course_service::media::fixtures;
use serde_json::{Value, json};

use crate::helpers::{expect_error, files_under, form, mp4, png, spawn_app};

#[tokio::test]
async fn adding_lectures_reads_durations_from_mp4_and_webm_and_keeps_them_in_order() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Videos").await;
    let id = course["_id"].as_str().unwrap();
    let path = format!("/api/v1/courses/{id}/lectures");

    let res = app
        .post_form(
            &path,
            Some(&owner.token),
            form(
                &[("title", "Second"), ("order", "2"), ("description", "d")],
                Some(("video", "a.mp4", fixtures::mp4(90_000, 1_234_567, 1, 2048))),
            ),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Lecture added successfully");
    let lecture = &body["lecture"];
    assert_eq!(
        lecture["duration"], 13.72,
        "1234567 / 90000 s, two decimals"
    );
    assert_eq!(lecture["isPreview"], false);
    assert_eq!(lecture["course"], id);
    assert!(
        lecture["videoUrl"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/media/videos/")
    );
    assert!(lecture["publicId"].as_str().unwrap().starts_with("videos/"));

    let res = app
        .post_form(
            &path,
            Some(&owner.token),
            form(
                &[("title", "First"), ("order", "1"), ("isPreview", "true")],
                Some(("video", "b.webm", fixtures::webm(1_000_000, 4_500.0))),
            ),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["lecture"]["duration"], 4.5);
    assert_eq!(body["lecture"]["isPreview"], true);

    let res = app.get(&path, Some(&owner.token)).await;
    let body: Value = res.json().await.unwrap();
    let titles: Vec<_> = body["lectures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].clone())
        .collect();
    assert_eq!(titles, [json!("First"), json!("Second")]);
    let res = app
        .get(&format!("/api/v1/courses/{id}"), Some(&owner.token))
        .await;
    let course: Value = res.json::<Value>().await.unwrap()["course"].clone();
    assert_eq!(course["totalLectures"], 2);
    assert_eq!(course["totalDuration"], 18.22);
    assert_eq!(course["lectures"][0]["title"], "First");
}

#[tokio::test]
async fn a_png_renamed_mp4_is_refused_with_415_and_leaves_no_file() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Fake").await;
    let path = format!(
        "/api/v1/courses/{}/lectures",
        course["_id"].as_str().unwrap()
    );
    let before = files_under(&app.media_dir);
    let res = app
        .post_form(
            &path,
            Some(&owner.token),
            form(
                &[("title", "x"), ("order", "1")],
                Some(("video", "clip.mp4", png())),
            ),
        )
        .await;
    expect_error(res, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    // An MP4 signature without a readable duration is refused too.
    let mut broken = mp4(3.0, 100);
    broken.truncate(200);
    let res = app
        .post_form(
            &path,
            Some(&owner.token),
            form(
                &[("title", "x"), ("order", "1")],
                Some(("video", "c.mp4", broken)),
            ),
        )
        .await;
    expect_error(res, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    assert_eq!(files_under(&app.media_dir), before);
}

#[tokio::test]
async fn lecture_fields_hold_their_limits() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Limits").await;
    let path = format!(
        "/api/v1/courses/{}/lectures",
        course["_id"].as_str().unwrap()
    );
    let d500 = "d".repeat(500);
    let d501 = "d".repeat(501);
    let t100 = "t".repeat(100);
    let t101 = "t".repeat(101);
    let cases: [(&str, &str, &str, u16); 8] = [
        ("description", &d500, "1", 201),
        ("description", &d501, "1", 400),
        ("title", &t100, "1", 201),
        ("title", &t101, "1", 400),
        ("isPreview", "maybe", "1", 400),
        ("description", "", "-1", 400),
        ("description", "", "1.5", 400),
        ("description", "", "0", 201),
    ];
    for (field, value, order, status) in cases {
        let mut fields = vec![("order", order), (field, value)];
        if field != "title" {
            fields.push(("title", "Lecture"));
        }
        let res = app
            .post_form(
                &path,
                Some(&owner.token),
                form(&fields, Some(("video", "v.mp4", mp4(1.0, 10)))),
            )
            .await;
        assert_eq!(res.status(), status, "{field}={value:.10} order={order}");
    }
    let res = app
        .post_form(
            &path,
            Some(&owner.token),
            form(&[("title", "No video"), ("order", "1")], None),
        )
        .await;
    let body = expect_error(res, 400, "VALIDATION_ERROR").await;
    assert_eq!(body["errors"][0]["field"], "video");
}

#[tokio::test]
async fn only_the_owner_or_an_admin_manages_lectures() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let other = app.user("instructor").await;
    let admin = app.admin().await;
    let course = app.create_course(&owner.token, "Guarded").await;
    let id = course["_id"].as_str().unwrap();
    let lecture = app.add_lecture(&owner.token, id, "L", 1, false).await;
    let lid = lecture["_id"].as_str().unwrap();
    let add = || {
        form(
            &[("title", "x"), ("order", "1")],
            Some(("video", "v.mp4", mp4(1.0, 10))),
        )
    };
    let path = format!("/api/v1/courses/{id}/lectures");
    expect_error(
        app.post_form(&path, Some(&other.token), add()).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(app.post_form(&path, None, add()).await, 401, "UNAUTHORIZED").await;
    let item = format!("{path}/{lid}");
    expect_error(
        app.patch_json(&item, Some(&other.token), json!({ "title": "x" }))
            .await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        app.delete(&item, Some(&other.token)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        app.delete(&format!("{path}/nope"), Some(&owner.token))
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(
        app.delete(
            &format!("{path}/5f0c2f1e9b1e8a3d4c5b6a79"),
            Some(&owner.token),
        )
        .await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        app.post_form(
            "/api/v1/courses/5f0c2f1e9b1e8a3d4c5b6a79/lectures",
            Some(&owner.token),
            add(),
        )
        .await,
        404,
        "NOT_FOUND",
    )
    .await;
    let res = app
        .patch_json(&item, Some(&admin.token), json!({ "title": "By admin" }))
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn updating_a_lecture_changes_its_fields_and_replaces_its_video() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Edits").await;
    let id = course["_id"].as_str().unwrap();
    let first = app.add_lecture(&owner.token, id, "A", 1, false).await;
    app.add_lecture(&owner.token, id, "B", 2, false).await;
    let item = format!(
        "/api/v1/courses/{id}/lectures/{}",
        first["_id"].as_str().unwrap()
    );
    let res = app
        .patch_json(
            &item,
            Some(&owner.token),
            json!({ "title": "A2", "order": 3, "isPreview": true }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["lecture"]["title"], "A2");
    assert_eq!(body["lecture"]["isPreview"], true);
    let listed: Value = app
        .get(
            &format!("/api/v1/courses/{id}/lectures"),
            Some(&owner.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["lectures"][1]["title"], "A2", "reordered after B");

    let old = app.media_file(first["videoUrl"].as_str().unwrap());
    assert!(old.exists());
    let res = app
        .patch_form(
            &item,
            Some(&owner.token),
            form(&[], Some(("video", "n.mp4", mp4(60.0, 10)))),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["lecture"]["duration"], 60.0);
    assert!(!old.exists(), "the replaced video is removed");
    assert!(
        app.media_file(body["lecture"]["videoUrl"].as_str().unwrap())
            .exists()
    );
    let course: Value = app
        .get(&format!("/api/v1/courses/{id}"), Some(&owner.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(course["course"]["totalDuration"], 72.5);
    let res = app
        .patch_json(
            &item,
            Some(&owner.token),
            json!({ "description": "d".repeat(501) }),
        )
        .await;
    expect_error(res, 400, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn deleting_a_lecture_removes_it_and_its_file_but_a_published_course_keeps_its_last_one() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Shrinking").await;
    let id = course["_id"].as_str().unwrap();
    let a = app.add_lecture(&owner.token, id, "A", 1, false).await;
    let b = app.add_lecture(&owner.token, id, "B", 2, false).await;
    assert_eq!(app.publish(&owner.token, id, true).await.status(), 200);
    let file = app.media_file(a["videoUrl"].as_str().unwrap());
    let res = app
        .delete(
            &format!(
                "/api/v1/courses/{id}/lectures/{}",
                a["_id"].as_str().unwrap()
            ),
            Some(&owner.token),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(!file.exists());
    let course: Value = app
        .get(&format!("/api/v1/courses/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(course["course"]["totalLectures"], 1);
    assert_eq!(course["course"]["lectures"][0]["title"], "B");
    let last = format!(
        "/api/v1/courses/{id}/lectures/{}",
        b["_id"].as_str().unwrap()
    );
    expect_error(app.delete(&last, Some(&owner.token)).await, 409, "CONFLICT").await;
    assert_eq!(app.publish(&owner.token, id, false).await.status(), 200);
    assert_eq!(app.delete(&last, Some(&owner.token)).await.status(), 200);
}
