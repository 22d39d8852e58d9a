//! The OpenAPI document: public, OpenAPI 3.x, every public route of `api.md` §4, no internal one.

use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_lists_every_public_route_and_no_internal_one() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/courses/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "LMS course-service");
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("post", "/api/v1/courses"),
        ("get", "/api/v1/courses"),
        ("get", "/api/v1/courses/published"),
        ("get", "/api/v1/courses/search"),
        ("get", "/api/v1/courses/{courseId}"),
        ("patch", "/api/v1/courses/{courseId}"),
        ("delete", "/api/v1/courses/{courseId}"),
        ("patch", "/api/v1/courses/{courseId}/publish"),
        ("get", "/api/v1/courses/{courseId}/students"),
        ("post", "/api/v1/courses/{courseId}/lectures"),
        ("get", "/api/v1/courses/{courseId}/lectures"),
        ("patch", "/api/v1/courses/{courseId}/lectures/{lectureId}"),
        ("delete", "/api/v1/courses/{courseId}/lectures/{lectureId}"),
        ("get", "/api/v1/media/{key}"),
    ];
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{} {path} is missing from the document",
            method.to_uppercase()
        );
    }
    assert!(
        paths.keys().all(|p| p.starts_with("/api/v1/")),
        "no internal or health routes"
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert!(schemes["bearer"].is_object() && schemes["cookie"].is_object());
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
}
