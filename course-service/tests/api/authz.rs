//! Every protected endpoint, one table: no token 401, a tampered or `alg: none` token 401, a stranger 403,
//! a malformed id 400, an unknown id 404.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, User, form, mp4, png, spawn_app, tampered};

const UNKNOWN: &str = "5f0c2f1e9b1e8a3d4c5b6a79";

/// A token whose header says `alg: none` (and whose signature is empty).
fn unsigned(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    // {"alg":"none","typ":"at+jwt","kid":"k"}
    format!("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0Iiwia2lkIjoiayJ9.{payload}.")
}

async fn call(app: &TestApp, method: &Method, path: &str, token: Option<&str>) -> u16 {
    let req = app.request(method.clone(), path, token);
    let req = match (
        method.as_str(),
        path.ends_with("/lectures"),
        path.ends_with("/publish"),
    ) {
        ("POST", true, _) => req.multipart(form(
            &[("title", "x"), ("order", "1")],
            Some(("video", "v.mp4", mp4(1.0, 10))),
        )),
        ("POST", false, _) => req.multipart(form(
            &[("title", "x"), ("category", "c"), ("price", "1")],
            Some(("thumbnail", "t.png", png())),
        )),
        ("PATCH", _, true) => req.json(&json!({ "publish": false })),
        ("PATCH", _, false) => req.json(&json!({ "title": "changed" })),
        _ => req,
    };
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_protected_endpoint_refuses_missing_bad_and_foreign_credentials_and_bad_ids() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let stranger: User = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Guarded").await;
    let c = course["_id"].as_str().unwrap();
    let lecture = app.add_lecture(&owner.token, c, "L", 1, false).await;
    let l = lecture["_id"].as_str().unwrap();
    // (method, path, path with a malformed id, path with an unknown id)
    let routes = [
        (
            Method::PATCH,
            format!("/api/v1/courses/{c}"),
            "/api/v1/courses/bad".to_owned(),
            format!("/api/v1/courses/{UNKNOWN}"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/courses/{c}"),
            "/api/v1/courses/bad".to_owned(),
            format!("/api/v1/courses/{UNKNOWN}"),
        ),
        (
            Method::PATCH,
            format!("/api/v1/courses/{c}/publish"),
            "/api/v1/courses/bad/publish".to_owned(),
            format!("/api/v1/courses/{UNKNOWN}/publish"),
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{c}/students"),
            "/api/v1/courses/bad/students".to_owned(),
            format!("/api/v1/courses/{UNKNOWN}/students"),
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{c}/lectures"),
            "/api/v1/courses/bad/lectures".to_owned(),
            format!("/api/v1/courses/{UNKNOWN}/lectures"),
        ),
        (
            Method::PATCH,
            format!("/api/v1/courses/{c}/lectures/{l}"),
            format!("/api/v1/courses/{c}/lectures/bad"),
            format!("/api/v1/courses/{c}/lectures/{UNKNOWN}"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/courses/{c}/lectures/{l}"),
            format!("/api/v1/courses/{c}/lectures/bad"),
            format!("/api/v1/courses/{c}/lectures/{UNKNOWN}"),
        ),
    ];
    let bad_tokens = [
        tampered(&owner.token),
        unsigned(&owner.token),
        "garbage".to_owned(),
    ];
    for (method, path, malformed, unknown) in &routes {
        assert_eq!(
            call(&app, method, path, None).await,
            401,
            "{method} {path} without a token"
        );
        for token in &bad_tokens {
            assert_eq!(
                call(&app, method, path, Some(token)).await,
                401,
                "{method} {path} with a bad token"
            );
        }
        assert_eq!(
            call(&app, method, path, Some(&stranger.token)).await,
            403,
            "{method} {path} by a stranger"
        );
        assert_eq!(
            call(&app, method, malformed, Some(&owner.token)).await,
            400,
            "{method} {malformed}"
        );
        assert_eq!(
            call(&app, method, unknown, Some(&owner.token)).await,
            404,
            "{method} {unknown}"
        );
    }
    for (method, path) in [
        (Method::POST, "/api/v1/courses"),
        (Method::GET, "/api/v1/courses"),
    ] {
        assert_eq!(
            call(&app, &method, path, None).await,
            401,
            "{method} {path}"
        );
        for token in &bad_tokens {
            assert_eq!(
                call(&app, &method, path, Some(token)).await,
                401,
                "{method} {path} with a bad token"
            );
        }
    }
    // Optional-auth reads refuse a bad token rather than treat it as anonymous.
    for path in [
        format!("/api/v1/courses/{c}"),
        format!("/api/v1/courses/{c}/lectures"),
    ] {
        assert_eq!(
            call(&app, &Method::GET, &path, Some(&bad_tokens[0])).await,
            401,
            "{path}"
        );
    }
    // Nothing changed.
    let res = app
        .get(&format!("/api/v1/courses/{c}"), Some(&owner.token))
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["course"]["title"], "Guarded");
    assert_eq!(body["course"]["totalLectures"], 1);
}
