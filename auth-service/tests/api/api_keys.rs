//! API keys: shown once, stored hashed, accepted in both headers, revoked at once, owner-only.

use serde_json::{Value, json};
use shared::internal_auth::sha256_hex;
use shared::revocation::Revocation;

use crate::helpers::spawn_app;

async fn create_key(app: &crate::helpers::TestApp, token: &str) -> Value {
    let res = app
        .post_bearer("/api/v1/auth/api-keys", token, json!({ "name": "ci" }))
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["apiKey"].clone()
}

#[tokio::test]
async fn a_key_is_shown_once_and_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let created = create_key(&app, &token).await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("pk_")
            && key.len() == 35
            && key[3..].chars().all(|c| c.is_ascii_alphanumeric())
    );
    let list: Value = app
        .get_bearer("/api/v1/auth/api-keys", &token)
        .await
        .json()
        .await
        .unwrap();
    let listed = &list["apiKeys"][0];
    assert_eq!(listed["name"], "ci");
    assert_eq!(listed["prefix"], &key[..8]);
    assert!(listed.get("key").is_none() && !list.to_string().contains(&key));
    let docs: Vec<mongodb::bson::Document> = {
        use futures_util::TryStreamExt;
        app.state
            .store
            .db
            .collection("api_keys")
            .find(mongodb::bson::doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    };
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].get_str("keyHash").unwrap(), sha256_hex(&key));
    assert!(!format!("{docs:?}").contains(&key));
    assert_eq!(
        app.post_bearer("/api/v1/auth/api-keys", &token, json!({ "name": "" }))
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn a_key_authenticates_in_both_headers_and_stops_at_revocation() {
    let app = spawn_app().await;
    let (_, token, body) = app.new_user("instructor").await;
    let created = create_key(&app, &token).await;
    let key = created["key"].as_str().unwrap();
    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<Value>().await.unwrap()["user"]["_id"],
        body["user"]["_id"]
    );
    assert_eq!(app.get_bearer("/api/v1/auth/me", key).await.status(), 200);

    let mut pubsub = crate::helpers::subscribe_revocations(&app).await;
    let path = format!("/api/v1/auth/api-keys/{}", created["id"].as_str().unwrap());
    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let announced = crate::helpers::next_revocation(&mut pubsub).await;
    assert_eq!(
        announced,
        Revocation::ApiKey {
            key_id: created["id"].as_str().unwrap().into(),
            key_hash: sha256_hex(key)
        }
    );
    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn another_user_cannot_revoke_or_see_my_key() {
    let app = spawn_app().await;
    let (_, mine, _) = app.new_user("student").await;
    let (_, theirs, _) = app.new_user("student").await;
    let created = create_key(&app, &mine).await;
    let path = format!("/api/v1/auth/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.client
            .delete(app.url(&path))
            .bearer_auth(&theirs)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let list: Value = app
        .get_bearer("/api/v1/auth/api-keys", &theirs)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["apiKeys"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/auth/api-keys"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let bogus = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("x-api-key", "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 401);
}
