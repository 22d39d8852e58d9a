//! `GET /courses/published` and `GET /courses/search`: published only, filters, escaping, sorting, paging.

use serde_json::Value;

use crate::helpers::{TestApp, expect_error, form, png, spawn_app};

/// Creates and publishes a course with the given fields (plus a lecture); returns its id.
async fn published(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> String {
    let res = app
        .post_form(
            "/api/v1/courses",
            Some(token),
            form(fields, Some(("thumbnail", "t.png", png()))),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["course"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.add_lecture(token, &id, "L1", 1, false).await;
    assert_eq!(app.publish(token, &id, true).await.status(), 200);
    id
}

fn titles(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path, None).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_published_listing_shows_only_published_courses_newest_first_with_the_instructor_embedded()
 {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    published(
        &app,
        &owner.token,
        &[("title", "First"), ("category", "Web"), ("price", "10")],
    )
    .await;
    published(
        &app,
        &owner.token,
        &[
            ("title", "Second"),
            ("category", "Data"),
            ("price", "20"),
            ("level", "advanced"),
        ],
    )
    .await;
    app.create_course(&owner.token, "Draft").await;

    let body = get_json(&app, "/api/v1/courses/published").await;
    assert_eq!(titles(&body), ["Second", "First"]);
    assert_eq!(
        body["pagination"],
        serde_json::json!({ "page": 1, "limit": 10, "total": 2, "pages": 1 })
    );
    let instructor = &body["data"][0]["instructor"];
    assert_eq!(instructor["_id"], owner.id.as_str());
    assert!(instructor["name"].is_string(), "{instructor}");
    assert!(instructor.get("avatar").is_some());
    assert_eq!(body["data"][0]["enrolledStudents"], 0);

    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/published?category=web").await),
        ["First"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/published?level=advanced").await),
        ["Second"]
    );
    let page2 = get_json(&app, "/api/v1/courses/published?page=2&limit=1").await;
    assert_eq!(titles(&page2), ["First"]);
    assert_eq!(page2["pagination"]["pages"], 2);
    expect_error(
        app.get("/api/v1/courses/published?limit=101", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(
        app.get("/api/v1/courses/published?level=expert", None)
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
}

#[tokio::test]
async fn search_needs_at_least_one_filter_and_finds_published_courses_case_insensitively() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    published(
        &app,
        &owner.token,
        &[
            ("title", "Rust Basics"),
            ("category", "Programming"),
            ("price", "30"),
            ("description", "Ownership and borrowing"),
        ],
    )
    .await;
    published(
        &app,
        &owner.token,
        &[
            ("title", "Advanced rust"),
            ("category", "Programming"),
            ("price", "90"),
            ("level", "advanced"),
        ],
    )
    .await;
    published(
        &app,
        &owner.token,
        &[("title", "Cooking"), ("category", "Food"), ("price", "5")],
    )
    .await;
    app.create_course(&owner.token, "Rust draft").await;

    let body = expect_error(
        app.get("/api/v1/courses/search", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "query");
    expect_error(
        app.get("/api/v1/courses/search?query=%20%20", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;

    let body = get_json(&app, "/api/v1/courses/search?query=RUST").await;
    assert_eq!(
        titles(&body),
        ["Advanced rust", "Rust Basics"],
        "drafts never appear"
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?query=BORROWING").await),
        ["Rust Basics"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?title=cook").await),
        ["Cooking"]
    );
    assert_eq!(
        titles(
            &get_json(
                &app,
                "/api/v1/courses/search?category=programming&level=advanced"
            )
            .await
        ),
        ["Advanced rust"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?minPrice=10&maxPrice=50").await),
        ["Rust Basics"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?minPrice=0&sortBy=price-asc").await),
        ["Cooking", "Rust Basics", "Advanced rust"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?minPrice=0&sortBy=price-desc").await),
        ["Advanced rust", "Rust Basics", "Cooking"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?minPrice=0&sortBy=title").await),
        ["Advanced rust", "Cooking", "Rust Basics"]
    );
    expect_error(
        app.get("/api/v1/courses/search?query=x&sortBy=random", None)
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    expect_error(
        app.get("/api/v1/courses/search?minPrice=-0.01", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    // A constraint between two parameters no schema can state: an empty page, not a 400 (docs/course.md).
    assert!(
        titles(&get_json(&app, "/api/v1/courses/search?minPrice=9&maxPrice=1").await).is_empty()
    );
    // A blank page or limit is not a number.
    expect_error(
        app.get("/api/v1/courses/search?query=x&page=", None).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
}

#[tokio::test]
async fn search_text_with_regex_metacharacters_matches_literally_and_is_bounded() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    published(
        &app,
        &owner.token,
        &[
            ("title", "C++ (and C) .* tricks"),
            ("category", "x"),
            ("price", "1"),
        ],
    )
    .await;
    published(
        &app,
        &owner.token,
        &[
            ("title", "Paths like C:\\temp"),
            ("category", "x"),
            ("price", "1"),
        ],
    )
    .await;
    published(
        &app,
        &owner.token,
        &[("title", "Plain title"), ("category", "x"), ("price", "1")],
    )
    .await;

    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?query=.*").await),
        ["C++ (and C) .* tricks"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?query=(and").await),
        ["C++ (and C) .* tricks"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?query=C%2B%2B").await),
        ["C++ (and C) .* tricks"]
    );
    assert_eq!(
        titles(&get_json(&app, "/api/v1/courses/search?query=%5C").await),
        ["Paths like C:\\temp"]
    );
    assert!(titles(&get_json(&app, "/api/v1/courses/search?title=P.ain").await).is_empty());
    // A catastrophic-backtracking pattern is just text here; over 100 characters it is refused outright.
    let evil = format!("{}!", "(a+)+".repeat(20));
    let res = app
        .get(
            &format!("/api/v1/courses/search?query={}", urlencode(&evil[..99])),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let long = "a".repeat(101);
    expect_error(
        app.get(&format!("/api/v1/courses/search?query={long}"), None)
            .await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
