//! The OpenAPI document: public, OpenAPI 3.x, every public route of `api.md` §6 with typed bodies, no
//! internal or health route; also at `/openapi.json`, where the gateway collects it.

use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_lists_every_payment_route_with_typed_bodies() {
    let t = TestApp::spawn_without_stripe().await;
    let res = t.get(None, "/api/v1/payments/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "LMS payment-service");
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in [
        ("post", "/api/v1/payments/create-checkout-session"),
        ("post", "/api/v1/payments/webhook"),
        ("get", "/api/v1/payments/courses/{courseId}/purchase-status"),
        ("get", "/api/v1/payments/purchased-courses"),
        ("get", "/api/v1/payments/purchases"),
        ("post", "/api/v1/payments/purchases/{purchaseId}/refund"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{} {path} is missing from the document",
            method.to_uppercase()
        );
    }
    assert!(paths.keys().all(|p| p.starts_with("/api/v1/payments/")));
    let schemas = &doc["components"]["schemas"];
    for name in [
        "ErrorEnvelope",
        "CheckoutResponse",
        "PurchaseView",
        "PurchaseStatusResponse",
        "PurchasedCoursesResponse",
        "RefundResponse",
    ] {
        assert!(schemas[name].is_object(), "schema {name} missing");
    }
    let checkout = &paths["/api/v1/payments/create-checkout-session"]["post"]["responses"];
    assert_eq!(
        checkout["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CheckoutResponse"
    );

    let root: Value = t.get(None, "/openapi.json").await.json().await.unwrap();
    assert_eq!(root, doc);
}
