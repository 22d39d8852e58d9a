//! `GET /media/...`: ranges (206/416), and who may watch a lecture video.

use serde_json::Value;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn a_range_request_gets_206_with_exactly_those_bytes_and_an_unsatisfiable_one_416() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Seek").await;
    let lecture = app
        .add_lecture(&owner.token, course["_id"].as_str().unwrap(), "L", 1, false)
        .await;
    let url = lecture["videoUrl"].as_str().unwrap();
    let stored = std::fs::read(app.media_file(url)).unwrap();

    let res = app
        .request(reqwest::Method::GET, url, Some(&owner.token))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 100-199/{}", stored.len()).as_str()
    );
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert_eq!(res.headers()["content-length"], "100");
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        stored[100..200].to_vec()
    );

    let res = app
        .request(reqwest::Method::GET, url, Some(&owner.token))
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        stored[stored.len() - 10..].to_vec()
    );

    let res = app.get(url, Some(&owner.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.bytes().await.unwrap().to_vec(), stored);

    let res = app
        .request(reqwest::Method::GET, url, Some(&owner.token))
        .header("range", format!("bytes={}-", stored.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", stored.len()).as_str()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
}

#[tokio::test]
async fn a_non_enrolled_student_gets_403_for_a_video_and_200_for_a_preview_while_enrolled_ones_watch()
 {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let buyer = app.user("student").await;
    let admin = app.admin().await;
    let (course, locked) = app.published_course(&owner, "Gated").await;
    let id = course["_id"].as_str().unwrap();
    let preview = app.add_lecture(&owner.token, id, "Free", 0, true).await;
    let locked = locked["videoUrl"].as_str().unwrap();
    let preview = preview["videoUrl"].as_str().unwrap();

    expect_error(
        app.get(locked, Some(&student.token)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let body = expect_error(app.get(locked, None).await, 401, "UNAUTHORIZED").await;
    assert_eq!(body["message"], "You are not logged in");
    assert_eq!(app.get(preview, Some(&student.token)).await.status(), 200);
    assert_eq!(app.get(preview, None).await.status(), 200);
    assert_eq!(app.get(locked, Some(&owner.token)).await.status(), 200);
    assert_eq!(app.get(locked, Some(&admin.token)).await.status(), 200);

    app.enrol(&buyer, id).await;
    assert_eq!(app.get(locked, Some(&buyer.token)).await.status(), 200);
    // <video> tags send only the cookie.
    let res = app
        .client
        .get(app.url(locked))
        .header("cookie", format!("token={}", buyer.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The course view shows videoUrl only where the caller may watch.
    let view: Value = app
        .get(&format!("/api/v1/courses/{id}"), Some(&student.token))
        .await
        .json()
        .await
        .unwrap();
    let lectures = view["course"]["lectures"].as_array().unwrap();
    assert_eq!(lectures[0]["title"], "Free");
    assert!(lectures[0]["videoUrl"].is_string());
    assert!(lectures[1].get("videoUrl").is_none() && lectures[1].get("publicId").is_none());
    let view: Value = app
        .get(
            &format!("/api/v1/courses/{id}/lectures"),
            Some(&buyer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        view["lectures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["videoUrl"].is_string())
    );
}

#[tokio::test]
async fn unknown_or_malformed_media_keys_are_404() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/media/thumbnails/none.png",
        "/api/v1/media/videos/none.mp4",
        "/api/v1/media/../../etc/passwd",
        "/api/v1/media/other/x.png",
        "/api/v1/media/thumbnails",
    ] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), 404, "{path}");
    }
}
