//! End to end through the gateway with the real auth-service and course-service: an instructor creates a
//! course with a thumbnail, adds two lectures with videos and publishes it; a student finds it in search,
//! sees only the preview's `videoUrl`, and can seek in the preview but not watch the other lecture.

use course_service::media::fixtures;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Options, Stack, browser, spawn_with};

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

async fn add_lecture(
    stack: &Stack,
    jar: &reqwest::Client,
    course: &str,
    title: &str,
    order: u32,
    preview: bool,
) -> Value {
    // 30 s at timescale 1000, with 4 KB of media data.
    let video = fixtures::mp4(1000, 30_000, 0, 4096);
    let form = Form::new()
        .text("title", title.to_owned())
        .text("order", order.to_string())
        .text("isPreview", preview.to_string())
        .part("video", Part::bytes(video).file_name("clip.mp4"));
    let res = jar
        .post(stack.url(&format!("/api/v1/courses/{course}/lectures")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "add lecture through the gateway");
    res.json::<Value>().await.unwrap()["lecture"].clone()
}

#[tokio::test]
async fn an_instructor_publishes_a_course_and_a_student_finds_it_seeing_only_the_preview_video() {
    let stack = spawn_with(Options::default().with_course_service()).await;
    let instructor = browser();
    stack.sign_up(&instructor, "instructor").await;
    let title = format!(
        "Gateway Systems {}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let form = Form::new()
        .text("title", title.clone())
        .text("category", "Engineering")
        .text("price", "49.5")
        .text("level", "intermediate")
        .part("thumbnail", Part::bytes(png()).file_name("thumb.png"));
    let res = instructor
        .post(stack.url("/api/v1/courses"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let course = res.json::<Value>().await.unwrap()["course"].clone();
    let id = course["_id"].as_str().unwrap().to_owned();
    let thumbnail = course["thumbnail"].as_str().unwrap().to_owned();

    let preview = add_lecture(&stack, &instructor, &id, "Welcome", 1, true).await;
    let locked = add_lecture(&stack, &instructor, &id, "Deep dive", 2, false).await;
    assert_eq!(preview["duration"].as_f64(), Some(30.0));
    let locked_url = locked["videoUrl"].as_str().unwrap().to_owned();
    let res = instructor
        .patch(stack.url(&format!("/api/v1/courses/{id}/publish")))
        .json(&json!({ "publish": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The thumbnail is public, through the gateway.
    let thumb = stack.gateway.get(&thumbnail).await;
    assert_eq!(thumb.status(), 200, "{thumbnail}");
    assert_eq!(thumb.bytes().await.unwrap().as_ref(), png().as_slice());

    // A student (bearer token this time) finds the course by a word of its title.
    let student = stack.token("student").await;
    let found: Value = stack
        .get_bearer(
            &format!(
                "/api/v1/courses/search?query={}",
                title.rsplit(" ").next().unwrap()
            ),
            &student,
        )
        .await
        .json()
        .await
        .unwrap();
    let hits = found["data"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{found}");
    assert_eq!(hits[0]["_id"], id.as_str());
    assert_eq!(hits[0]["instructor"]["name"], "Test User");

    let details: Value = stack
        .get_bearer(&format!("/api/v1/courses/{id}"), &student)
        .await
        .json()
        .await
        .unwrap();
    let lectures = details["course"]["lectures"].as_array().unwrap();
    assert_eq!(lectures.len(), 2);
    assert!(
        lectures[0]["videoUrl"].is_string(),
        "the preview is watchable: {details}"
    );
    assert!(
        lectures[1].get("videoUrl").is_none_or(Value::is_null),
        "{details}"
    );

    // The preview can be played and sought through the gateway; the locked lecture cannot.
    let preview_url = lectures[0]["videoUrl"].as_str().unwrap();
    let res = stack
        .gateway
        .client
        .get(stack.url(preview_url))
        .bearer_auth(&student)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    let expected = fixtures::mp4(1000, 30_000, 0, 4096);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &expected[100..200]);
    let res = stack.get_bearer(&locked_url, &student).await;
    assert_eq!(res.status(), 403);
}
