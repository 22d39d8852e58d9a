//! The OpenAPI document is served where the gateway collects it and under the public prefix.

use crate::helpers::{TestApp, json_of};

#[tokio::test]
async fn the_openapi_document_lists_every_progress_route_and_no_internal_one() {
    let app = TestApp::spawn().await;
    for url in [
        format!("{}/openapi.json", app.address),
        app.url("/progress/openapi.json"),
    ] {
        let res = app.client.get(&url).send().await.unwrap();
        let doc = json_of(res, 200).await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{url}");
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 8, "{:?}", paths.keys());
        assert!(paths["/api/v1/progress/{courseId}/lectures/{lectureId}"]["patch"].is_object());
        assert!(!paths.keys().any(|p| p.contains("internal")));
    }
}
