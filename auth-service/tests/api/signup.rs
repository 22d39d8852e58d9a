//! Sign-up: validation boundaries, roles, duplicates, cookies and the response shape.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, email, new_client, set_cookie, spawn_app, spawn_app_with, spawn_vars,
};

#[tokio::test]
async fn signup_returns_201_with_user_token_and_both_cookies() {
    let app = spawn_app().await;
    let address = email();
    let res = app
        .sign_up(
            &new_client(),
            "Ada Lovelace",
            &address.to_uppercase(),
            PASSWORD,
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let access = set_cookie(&res, "token").expect("token cookie");
    let refresh = set_cookie(&res, "refresh_token").expect("refresh cookie");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Account created successfully");
    assert_eq!(
        body["user"]["email"], address,
        "e-mail is stored lower-case"
    );
    assert_eq!(body["user"]["role"], "student");
    assert_eq!(body["user"]["isActive"], true);
    assert_eq!(body["user"]["totalEnrolledCourses"], 0);
    assert_eq!(body["expiresIn"], 900);
    assert!(body["user"].get("password").is_none());
    assert!(body["token"].as_str().unwrap().split('.').count() == 3);
    assert!(
        access.contains("HttpOnly")
            && access.contains("SameSite=Strict")
            && access.contains("Path=/;")
    );
    assert!(access.contains("Max-Age=900"));
    assert!(refresh.contains("HttpOnly") && refresh.contains("Path=/api/v1"));
}

#[tokio::test]
async fn cookies_are_secure_unless_configured_for_local_http() {
    let app = spawn_app_with(spawn_vars(&[("COOKIE_SECURE", "true")])).await;
    let res = app
        .sign_up(&new_client(), "Ada", &email(), PASSWORD, None)
        .await;
    assert!(set_cookie(&res, "token").unwrap().contains("Secure"));
    assert!(
        set_cookie(&res, "refresh_token")
            .unwrap()
            .contains("Secure")
    );
}

#[tokio::test]
async fn register_alias_creates_an_instructor() {
    let app = spawn_app().await;
    let body =
        json!({ "name": "Grace", "email": email(), "password": PASSWORD, "role": "instructor" });
    let res = app.post(&app.client, "/api/v1/auth/register", body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap()["user"]["role"],
        "instructor"
    );
}

#[tokio::test]
async fn signup_with_a_taken_email_is_409() {
    let app = spawn_app().await;
    let address = email();
    assert_eq!(
        app.sign_up(&new_client(), "First", &address, PASSWORD, None)
            .await
            .status(),
        201
    );
    let res = app
        .sign_up(
            &new_client(),
            "Second",
            &address.to_uppercase(),
            PASSWORD,
            None,
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "CONFLICT");
    assert_eq!(body["status"], "fail");
}

#[tokio::test]
async fn admin_role_is_refused_at_signup_with_403() {
    let app = spawn_app().await;
    let res = app
        .sign_up(&new_client(), "Mallory", &email(), PASSWORD, Some("admin"))
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "FORBIDDEN");
    let res = app
        .sign_up(&new_client(), "Mallory", &email(), PASSWORD, Some("wizard"))
        .await;
    assert_eq!(res.status(), 400);
    // Only the documented values: a blank or padded role is not read as one (the schema's enum).
    for role in ["", " instructor"] {
        let res = app
            .sign_up(&new_client(), "Mallory", &email(), PASSWORD, Some(role))
            .await;
        assert_eq!(res.status(), 400, "role {role:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "role", "{body}");
    }
}

#[tokio::test]
async fn name_boundaries_are_1_2_50_51_characters() {
    let app = spawn_app().await;
    for (name, status) in [
        ("a".to_owned(), 400),
        ("ab".to_owned(), 201),
        ("n".repeat(50), 201),
        ("n".repeat(51), 400),
    ] {
        let res = app
            .sign_up(&new_client(), &name, &email(), PASSWORD, None)
            .await;
        assert_eq!(res.status(), status, "name of {} chars", name.len());
        if status == 400 {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["errors"][0]["field"], "name");
        }
    }
}

#[tokio::test]
async fn password_boundaries_are_7_8_72_73_bytes() {
    let app = spawn_app().await;
    let cases = [
        ("abcdef1".to_owned(), 400),
        ("abcdefg1".to_owned(), 201),
        (format!("a1{}", "x".repeat(70)), 201),
        (format!("a1{}", "x".repeat(71)), 400),
    ];
    for (password, status) in cases {
        let res = app
            .sign_up(&new_client(), "Boundary", &email(), &password, None)
            .await;
        assert_eq!(res.status(), status, "password of {} bytes", password.len());
    }
}

#[tokio::test]
async fn missing_and_malformed_fields_are_listed_in_errors() {
    let app = spawn_app().await;
    let res = app
        .post(
            &app.client,
            "/api/v1/user/signup",
            json!({ "email": "not-an-email" }),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "VALIDATION_ERROR");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"name") && fields.contains(&"email") && fields.contains(&"password"));
    assert!(body["requestId"].is_string());
}

#[tokio::test]
async fn a_non_json_body_gets_the_envelope() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/user/signup"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["success"], false);
    let res = app
        .client
        .post(app.url("/api/v1/user/signup"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}
