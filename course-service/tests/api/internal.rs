//! `/internal/...`: the course summary and the enrolment check, behind the service token.

use serde_json::Value;

use crate::helpers::{expect_error, spawn_app};

#[tokio::test]
async fn the_course_summary_carries_price_in_dollars_and_cents_and_lectures_in_order() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Summary").await;
    let id = course["_id"].as_str().unwrap();
    let second = app.add_lecture(&owner.token, id, "Second", 2, false).await;
    let first = app.add_lecture(&owner.token, id, "First", 1, false).await;
    let res = app
        .client
        .get(app.url(&format!("/internal/courses/{id}")))
        .header("x-internal-token", &app.internal_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let summary = &body["course"];
    assert_eq!(summary["price"], 49.99);
    assert_eq!(summary["priceCents"], 4999);
    assert_eq!(summary["instructor"], owner.id.as_str());
    assert_eq!(summary["isPublished"], false);
    assert_eq!(
        summary["lectureIds"],
        serde_json::json!([first["_id"], second["_id"]])
    );
    assert!(summary["thumbnail"].is_string());
    let lectures = summary["lectures"].as_array().unwrap();
    let titles: Vec<&str> = lectures
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["First", "Second"]);
    assert_eq!(lectures[0]["_id"], first["_id"]);
    assert_eq!(lectures[0]["duration"], first["duration"]);
    assert_eq!(lectures[0]["order"], 1);
    assert_eq!(lectures[0]["isPreview"], false);
}

#[tokio::test]
async fn the_enrolment_check_answers_for_enrolled_owner_and_others() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let student = app.user("student").await;
    let (course, _) = app.published_course(&owner, "Check").await;
    let id = course["_id"].as_str().unwrap();
    assert!(!app.is_enrolled(&student, id).await);
    app.enrol(&student, id).await;
    let get = |user: String| {
        let url = app.url(&format!("/internal/courses/{id}/enrolments/{user}"));
        let req = app
            .client
            .get(url)
            .header("x-internal-token", &app.internal_token);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let body = get(student.id.clone()).await;
    assert_eq!(
        (body["enrolled"].clone(), body["isOwner"].clone()),
        (true.into(), false.into())
    );
    let body = get(owner.id.clone()).await;
    assert_eq!(
        (body["enrolled"].clone(), body["isOwner"].clone()),
        (false.into(), true.into())
    );
    let res = app
        .client
        .get(app.url(&format!("/internal/courses/{id}/enrolments/bad")))
        .header("x-internal-token", &app.internal_token)
        .send()
        .await
        .unwrap();
    expect_error(res, 400, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn internal_routes_need_the_service_token() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Secret").await;
    let url = app.url(&format!(
        "/internal/courses/{}",
        course["_id"].as_str().unwrap()
    ));
    expect_error(
        app.client.get(&url).send().await.unwrap(),
        401,
        "UNAUTHORIZED",
    )
    .await;
    let res = app
        .client
        .get(&url)
        .header("x-internal-token", "wrong")
        .send()
        .await
        .unwrap();
    expect_error(res, 403, "FORBIDDEN").await;
    // A user token is not a service token.
    let res = app
        .client
        .get(&url)
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    expect_error(res, 401, "UNAUTHORIZED").await;
    let res = app
        .client
        .get(app.url("/internal/courses/5f0c2f1e9b1e8a3d4c5b6a79"))
        .header("x-internal-token", &app.internal_token)
        .send()
        .await
        .unwrap();
    expect_error(res, 404, "NOT_FOUND").await;
}
