//! One answer to bad credentials: a revoked, expired or tampered bearer token or API key is 401
//! `JWT token error` on every route, public ones included, at the gateway and at the services; a bad
//! `token` cookie on a public route gets the anonymous answer and a `Set-Cookie` that clears it.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use test_support::tampered;

use crate::helpers::{Options, Stack, spawn, spawn_with};

async fn revoked(stack: &Stack, role: &str) -> String {
    let token = stack.token(role).await;
    let res = stack
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    token
}

async fn assert_jwt_error(res: reqwest::Response, reason: &str, what: &str) {
    assert_eq!(res.status(), 401, "{what}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "JWT token error", "{what}: {body}");
    assert_eq!(body["details"]["reason"], reason, "{what}: {body}");
}

fn clears_token(res: &reqwest::Response) -> bool {
    res.headers().get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("token=;") && v.contains("Max-Age=0")
    })
}

#[tokio::test]
async fn bad_bearer_tokens_and_api_keys_are_401_on_public_routes_of_every_service() {
    let stack = spawn().await;
    let revoked = revoked(&stack, "student").await;
    let valid = stack.token("student").await;
    let public = [
        "/api/v1/courses/published",
        "/api/v1/auth/.well-known/jwks.json",
        "/api/v1/auth/openapi.json",
        "/api/v1/openapi.json",
    ];
    for path in public {
        assert_jwt_error(stack.get_bearer(path, &revoked).await, "revoked", path).await;
        assert_jwt_error(
            stack.get_bearer(path, &tampered(&valid)).await,
            "bad_signature",
            path,
        )
        .await;
        let res = stack
            .gateway
            .client
            .get(stack.url(path))
            .header("x-api-key", "pk_unknown0000000000000000000000")
            .send()
            .await
            .unwrap();
        assert_jwt_error(res, "invalid_api_key", path).await;
        assert_eq!(stack.get_bearer(path, &valid).await.status(), 200, "{path}");
    }
    // A public POST of auth-service: sign-in with a revoked bearer token.
    let res = stack
        .post_bearer(
            "/api/v1/user/signin",
            &revoked,
            json!({ "email": "a@b.co", "password": "whatever1" }),
        )
        .await;
    assert_jwt_error(res, "revoked", "sign-in").await;
    // At auth-service itself, the same answer.
    let res = stack
        .gateway
        .client
        .get(format!(
            "{}/api/v1/auth/.well-known/jwks.json",
            stack.auth_address
        ))
        .bearer_auth(&revoked)
        .send()
        .await
        .unwrap();
    assert_jwt_error(res, "revoked", "auth-service directly").await;
}

#[tokio::test]
async fn a_bad_token_cookie_on_a_public_route_is_anonymous_and_cleared() {
    let stack = spawn().await;
    let revoked = revoked(&stack, "student").await;
    let valid = stack.token("student").await;
    for (cookie, what) in [
        (format!("token={revoked}"), "revoked"),
        (format!("token={}", tampered(&valid)), "tampered"),
        ("token=not-a-jwt".to_owned(), "malformed"),
    ] {
        let res = stack
            .gateway
            .client
            .get(stack.url("/api/v1/courses/published"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{what}");
        assert!(clears_token(&res), "{what}: the cookie was not cleared");
        let seen: Value = res.json().await.unwrap();
        assert!(seen["headers"].get("authorization").is_none(), "{what}");
        assert!(seen["headers"].get("cookie").is_none(), "{what}");
    }
    // A good cookie is not cleared; on a protected route a bad one is still 401.
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/courses/published"))
        .header("cookie", format!("token={valid}"))
        .send()
        .await
        .unwrap();
    assert!(!clears_token(&res));
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .header("cookie", format!("token={revoked}"))
        .send()
        .await
        .unwrap();
    assert_jwt_error(res, "revoked", "protected route").await;
    // A sign-in answered to a browser holding a bad cookie keeps the new cookie it sets.
    let email = crate::helpers::email();
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/user/signup"))
        .header("cookie", format!("token={revoked}"))
        .json(
            &json!({ "name": "Fresh Start", "email": email, "password": crate::helpers::PASSWORD }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(!clears_token(&res), "the fresh cookie was cleared again");
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

/// The bypass of issue 10: a draft course was readable with a revoked token smuggled in another cookie.
#[tokio::test]
async fn a_revoked_token_never_reads_a_draft_through_the_gateway_or_at_course_service() {
    let stack = spawn_with(Options::default().with_course_service()).await;
    let token = stack.token("instructor").await;
    let form = Form::new()
        .text("title", "Secret Draft")
        .text("category", "Engineering")
        .text("price", "10")
        .text("level", "beginner")
        .part("thumbnail", Part::bytes(png()).file_name("thumb.png"));
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/courses"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["course"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/courses/{id}");
    assert_eq!(stack.get_bearer(&path, &token).await.status(), 200);
    let res = stack
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 200);

    for cookie in [
        format!("a=x%3B%20token%3D{token}"),
        format!("a=\"x; token={token}\""),
        format!("token={token}; token={token}"),
    ] {
        let res = stack
            .gateway
            .client
            .get(stack.url(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{cookie}: the draft was readable");
    }
    assert_jwt_error(stack.get_bearer(&path, &token).await, "revoked", "gateway").await;

    // At course-service directly: the revoked bearer is 401, the revoked cookie anonymous and cleared.
    let direct = format!("{}{path}", stack.course_address);
    let res = stack
        .gateway
        .client
        .get(&direct)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_jwt_error(res, "revoked", "course-service directly").await;
    let res = stack
        .gateway
        .client
        .get(&direct)
        .header("cookie", format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(
        clears_token(&res),
        "course-service did not clear the cookie"
    );
    let res = stack
        .gateway
        .client
        .get(format!("{}/api/v1/courses/published", stack.course_address))
        .header("x-api-key", "pk_anything")
        .send()
        .await
        .unwrap();
    assert_jwt_error(res, "api_key_not_accepted", "course-service API key").await;
}
