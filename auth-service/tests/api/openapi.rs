//! The OpenAPI document: public, OpenAPI 3.x, every public route of `api.md` §3, no internal routes.

use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_lists_every_public_route_and_no_internal_one() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/auth/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "LMS auth-service");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("post", "/api/v1/user/signup"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/user/signin"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/user/signout"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/logout-all"),
        ("post", "/api/v1/auth/refresh-token"),
        ("get", "/api/v1/user/profile"),
        ("patch", "/api/v1/user/profile"),
        ("get", "/api/v1/auth/me"),
        ("patch", "/api/v1/user/change-password"),
        ("post", "/api/v1/user/forgot-password"),
        ("post", "/api/v1/user/reset-password/{token}"),
        ("delete", "/api/v1/user/account"),
        ("post", "/api/v1/auth/invite-admin"),
        ("get", "/api/v1/auth/users"),
        ("patch", "/api/v1/auth/users/{userId}"),
        ("get", "/api/v1/auth/api-keys"),
        ("post", "/api/v1/auth/api-keys"),
        ("delete", "/api/v1/auth/api-keys/{keyId}"),
        ("get", "/api/v1/auth/sessions"),
        ("delete", "/api/v1/auth/sessions/{id}"),
        ("get", "/api/v1/auth/.well-known/jwks.json"),
    ];
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{} {path} is missing from the document",
            method.to_uppercase()
        );
    }
    for path in paths.keys() {
        assert!(path.starts_with("/api/v1/"), "{path} is not a public route");
        assert!(!path.contains("/internal"), "{path} must not be documented");
    }
    assert!(!paths.contains_key("/healthz") && !paths.contains_key("/readyz"));

    // Authenticated operations declare the three ways to authenticate.
    let me = &paths["/api/v1/auth/me"]["get"];
    let schemes: Vec<&str> = me["security"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
        .collect();
    assert_eq!(schemes, ["bearer", "cookie", "apiKey"]);

    let components = &doc["components"];
    let envelope = &components["schemas"]["ErrorEnvelope"];
    assert!(envelope.is_object(), "the error envelope schema is missing");
    for field in [
        "success",
        "status",
        "error",
        "message",
        "requestId",
        "errors",
    ] {
        assert!(
            envelope["properties"].get(field).is_some(),
            "ErrorEnvelope has no {field}"
        );
    }
    for scheme in ["bearer", "cookie", "apiKey"] {
        assert!(
            components["securitySchemes"].get(scheme).is_some(),
            "{scheme}"
        );
    }
}
