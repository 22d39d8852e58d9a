//! End to end through the gateway with the real auth-service and course-service: an instructor creates a
//! course with a thumbnail, adds two lectures with videos and publishes it; a student finds it in search,
//! sees only the preview's `videoUrl`, and can seek in the preview but not watch the other lecture.

use serde_json::{Value, json};
use test_support::{form, lecture_form, mp4, png, run_id};

use crate::helpers::{Options, Stack, browser, spawn_with};

/// 30 s of MP4 with 4 KB of media data.
fn video() -> Vec<u8> {
    mp4(30.0, 4096)
}

async fn add_lecture(
    stack: &Stack,
    jar: &reqwest::Client,
    course: &str,
    title: &str,
    order: u32,
    preview: bool,
) -> Value {
    let form = lecture_form(title, order, preview, video());
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
    let title = format!("Gateway Systems {}", &run_id()[..8]);
    let form = form(
        &[
            ("title", &title),
            ("category", "Engineering"),
            ("price", "49.5"),
            ("level", "intermediate"),
        ],
        Some(("thumbnail", "thumb.png", png())),
    );
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
    let expected = video();
    assert_eq!(res.bytes().await.unwrap().as_ref(), &expected[100..200]);
    let res = stack.get_bearer(&locked_url, &student).await;
    assert_eq!(res.status(), 403);
}
