//! Admin: the configured first admin, invites, the user list, role and active changes, and refusals.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, email, new_client, spawn_app_with, spawn_vars};

const ADMIN_PASSWORD: &str = "adm1n-password";

async fn app_with_admin() -> (TestApp, String) {
    let admin_email = email();
    let app = spawn_app_with(spawn_vars(&[
        ("ADMIN_EMAIL", &admin_email),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD),
    ]))
    .await;
    let token = app.admin_token(&admin_email, ADMIN_PASSWORD).await;
    (app, token)
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_admin_route_refuses_students_with_403_and_anonymous_callers_with_401() {
    let (app, _) = app_with_admin().await;
    let (_, student, body) = app.new_user("student").await;
    let (_, instructor, _) = app.new_user("instructor").await;
    let id = body["user"]["_id"].as_str().unwrap();
    let routes = [
        (
            reqwest::Method::POST,
            "/api/v1/auth/invite-admin".to_owned(),
            Some(json!({ "name": "X Y", "email": email(), "password": PASSWORD })),
        ),
        (reqwest::Method::GET, "/api/v1/auth/users".to_owned(), None),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/auth/users/{id}"),
            Some(json!({ "role": "admin" })),
        ),
    ];
    for (method, path, body) in routes {
        assert_eq!(
            call(&app, method.clone(), &path, Some(&student), body.clone())
                .await
                .status(),
            403,
            "{path} as student"
        );
        assert_eq!(
            call(&app, method.clone(), &path, Some(&instructor), body.clone())
                .await
                .status(),
            403,
            "{path} as instructor"
        );
        assert_eq!(
            call(&app, method, &path, None, body).await.status(),
            401,
            "{path} anonymous"
        );
    }
}

#[tokio::test]
async fn the_configured_admin_invites_another_admin() {
    let (app, admin) = app_with_admin().await;
    let invited = email();
    let body = json!({ "name": "Second Admin", "email": invited, "password": PASSWORD });
    let res = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/auth/invite-admin",
        Some(&admin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["user"]["role"], "admin");
    let again = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/auth/invite-admin",
        Some(&admin),
        Some(body),
    )
    .await;
    assert_eq!(again.status(), 409);
    let token = app.admin_token(&invited, PASSWORD).await;
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            "/api/v1/auth/users",
            Some(&token),
            None
        )
        .await
        .status(),
        200
    );
}

#[tokio::test]
async fn the_user_list_paginates_filters_by_role_and_searches_literally() {
    let (app, admin) = app_with_admin().await;
    for _ in 0..3 {
        app.new_user("instructor").await;
    }
    app.sign_up(&new_client(), "Dot.Star (x)", &email(), PASSWORD, None)
        .await;
    let list: Value = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/auth/users?role=instructor&limit=2&page=2",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        list["pagination"],
        json!({ "page": 2, "limit": 2, "total": 3, "pages": 2 })
    );
    assert_eq!(list["users"].as_array().unwrap().len(), 1);
    let found: Value = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/auth/users?q=.Star%20(",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(found["users"][0]["name"], "Dot.Star (x)");
    let none: Value = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/auth/users?q=.*",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        none["pagination"]["total"], 0,
        "regex metacharacters match literally"
    );
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            "/api/v1/auth/users?limit=101",
            Some(&admin),
            None
        )
        .await
        .status(),
        400
    );
}

#[tokio::test]
async fn deactivation_revokes_tokens_and_blocks_sign_in_and_role_changes_take_effect() {
    let (app, admin) = app_with_admin().await;
    let (address, token, body) = app.new_user("student").await;
    let path = format!(
        "/api/v1/auth/users/{}",
        body["user"]["_id"].as_str().unwrap()
    );
    let res = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        Some(&admin),
        Some(json!({ "role": "instructor" })),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["user"]["role"],
        "instructor"
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        401,
        "tokens with the old role stop working"
    );
    let fresh: Value = app.sign_in_body(&address, PASSWORD).await;
    assert_eq!(fresh["user"]["role"], "instructor");

    let res = call(
        &app,
        reqwest::Method::PATCH,
        &path,
        Some(&admin),
        Some(json!({ "isActive": false })),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", fresh["token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    assert_eq!(
        app.sign_in(&new_client(), &address, PASSWORD)
            .await
            .status(),
        403
    );
    let refused = [
        (path.as_str(), json!({ "role": "root" }), 400),
        (
            "/api/v1/auth/users/not-an-id",
            json!({ "isActive": true }),
            400,
        ),
        (
            "/api/v1/auth/users/64b7f0c2a1b2c3d4e5f60718",
            json!({ "isActive": true }),
            404,
        ),
    ];
    for (target, body, status) in refused {
        let res = call(
            &app,
            reqwest::Method::PATCH,
            target,
            Some(&admin),
            Some(body),
        )
        .await;
        assert_eq!(res.status(), status, "PATCH {target}");
    }
}

#[tokio::test]
async fn an_admin_cannot_deactivate_or_demote_themselves() {
    let (app, admin) = app_with_admin().await;
    let me: Value = app
        .get_bearer("/api/v1/auth/me", &admin)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/auth/users/{}", me["user"]["_id"].as_str().unwrap());
    assert_eq!(
        call(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({ "isActive": false }))
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        call(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({ "role": "student" }))
        )
        .await
        .status(),
        400
    );
}
