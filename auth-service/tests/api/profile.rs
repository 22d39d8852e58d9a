//! Profile reads and updates, including avatar uploads through the media store.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with, spawn_vars};

/// A minimal valid PNG (1×1).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

async fn patch_multipart(
    app: &crate::helpers::TestApp,
    token: &str,
    form: Form,
) -> reqwest::Response {
    app.client
        .patch(app.url("/api/v1/user/profile"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn profile_has_the_documented_shape_and_no_secrets() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let body: Value = app
        .get_bearer("/api/v1/user/profile", &token)
        .await
        .json()
        .await
        .unwrap();
    let user = &body["user"];
    for field in [
        "_id",
        "name",
        "email",
        "role",
        "avatar",
        "bio",
        "isActive",
        "enrolledCourses",
        "createdCourses",
        "totalEnrolledCourses",
        "createdAt",
        "lastActive",
    ] {
        assert!(user.get(field).is_some(), "missing {field}");
    }
    let text = body.to_string();
    assert!(!text.contains("password") && !text.contains("$2b$"));
}

#[tokio::test]
async fn json_patch_updates_name_and_bio_with_limits() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let res = app
        .client
        .patch(app.url("/api/v1/user/profile"))
        .bearer_auth(&token)
        .json(&json!({ "name": "  New Name ", "bio": "Hello" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "New Name");
    assert_eq!(body["user"]["bio"], "Hello");
    let res = app
        .client
        .patch(app.url("/api/v1/user/profile"))
        .bearer_auth(&token)
        .json(&json!({ "bio": "b".repeat(201) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .patch(app.url("/api/v1/user/profile"))
        .bearer_auth(&token)
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        400,
        "role cannot be changed through the profile"
    );
    let res = app
        .client
        .patch(app.url("/api/v1/user/profile"))
        .json(&json!({ "bio": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn an_avatar_upload_is_stored_served_and_the_old_one_removed() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let form = Form::new()
        .text("bio", "with avatar")
        .part("avatar", Part::bytes(PNG.to_vec()).file_name("me.png"));
    let res = patch_multipart(&app, &token, form).await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    let first_url = first["user"]["avatar"].as_str().unwrap().to_owned();
    assert!(first_url.starts_with("/api/v1/user/avatars/") && first_url.ends_with(".png"));
    let served = app.client.get(app.url(&first_url)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);

    let form = Form::new().part("avatar", Part::bytes(PNG.to_vec()).file_name("again.png"));
    let second: Value = patch_multipart(&app, &token, form)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(second["user"]["avatar"], first_url.as_str());
    assert_eq!(
        app.client
            .get(app.url(&first_url))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "replaced avatar is removed"
    );
}

#[tokio::test]
async fn a_non_image_avatar_is_415_and_an_oversized_one_413_leaving_no_file() {
    let app = spawn_app_with(spawn_vars(&[("AVATAR_MAX_BYTES", "1024")])).await;
    let (_, token, _) = app.new_user("student").await;
    let form = Form::new().part(
        "avatar",
        Part::bytes(b"%PDF-1.4 not an image".to_vec()).file_name("x.png"),
    );
    assert_eq!(patch_multipart(&app, &token, form).await.status(), 415);
    let mut big = PNG.to_vec();
    big.extend(std::iter::repeat_n(0u8, 4096));
    let form = Form::new().part("avatar", Part::bytes(big).file_name("big.png"));
    assert_eq!(patch_multipart(&app, &token, form).await.status(), 413);
    let avatars = app.media_dir.join("avatars");
    let stored = std::fs::read_dir(&avatars).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 0, "no avatar file is left behind");
    let temp = std::fs::read_dir(app.media_dir.join(".tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(temp, 0, "no temporary file is left behind");
}
