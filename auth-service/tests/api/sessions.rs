//! The session list and ending one session.

use serde_json::Value;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn a_user_lists_sessions_and_ends_another_one() {
    let app = spawn_app().await;
    let (address, _, first) = app.new_user("student").await;
    let second: Value = app.sign_in_body(&address, PASSWORD).await;
    let token = second["token"].as_str().unwrap();
    let list: Value = app
        .get_bearer("/api/v1/auth/sessions", token)
        .await
        .json()
        .await
        .unwrap();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/auth/sessions/{other}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let refresh = app.refresh(&first["refreshToken"]).await;
    assert_eq!(refresh.status(), 401);
    let again = app
        .client
        .delete(app.url(&format!("/api/v1/auth/sessions/{other}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn nobody_ends_someone_elses_session() {
    let app = spawn_app().await;
    let (_, victim, _) = app.new_user("student").await;
    let (_, attacker, _) = app.new_user("student").await;
    let list: Value = app
        .get_bearer("/api/v1/auth/sessions", &victim)
        .await
        .json()
        .await
        .unwrap();
    let id = list["sessions"][0]["id"].as_str().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/auth/sessions/{id}")))
        .bearer_auth(&attacker)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/auth/sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
