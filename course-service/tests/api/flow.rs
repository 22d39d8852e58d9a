//! The whole catalogue flow the gateway's end-to-end test repeats: an instructor creates a course with a
//! thumbnail, adds two lectures with videos and publishes it; a student finds it and sees only the
//! preview's `videoUrl`.

use serde_json::Value;

use crate::helpers::{form, mp4, png, spawn_app};

#[tokio::test]
async fn an_instructor_publishes_a_course_and_a_student_finds_it_seeing_only_the_preview_video() {
    let app = spawn_app().await;
    let instructor = app.user("instructor").await;
    let student = app.user("student").await;
    let fields = [
        ("title", "Distributed Systems"),
        ("category", "CS"),
        ("price", "79"),
        ("level", "advanced"),
    ];
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(&instructor.token),
            form(&fields, Some(("thumbnail", "t.png", png()))),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["course"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (title, order, preview) in [("Welcome", "1", "true"), ("Consensus", "2", "false")] {
        let res = app
            .post_form(
                &format!("/api/v1/courses/{id}/lectures"),
                Some(&instructor.token),
                form(
                    &[("title", title), ("order", order), ("isPreview", preview)],
                    Some(("video", "v.mp4", mp4(30.0, 1024))),
                ),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    assert_eq!(
        app.publish(&instructor.token, &id, true).await.status(),
        200
    );

    let found: Value = app
        .get(
            "/api/v1/courses/search?query=distributed",
            Some(&student.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"][0]["_id"], id.as_str());
    assert_eq!(found["data"][0]["totalLectures"], 2);
    assert_eq!(found["data"][0]["totalDuration"], 60.0);
    let course: Value = app
        .get(&format!("/api/v1/courses/{id}"), Some(&student.token))
        .await
        .json()
        .await
        .unwrap();
    let lectures = course["course"]["lectures"].as_array().unwrap();
    let with_video: Vec<_> = lectures
        .iter()
        .filter(|l| l["videoUrl"].is_string())
        .map(|l| l["title"].clone())
        .collect();
    assert_eq!(with_video, ["Welcome"]);
    let preview = lectures[0]["videoUrl"].as_str().unwrap();
    assert_eq!(app.get(preview, Some(&student.token)).await.status(), 200);
}
