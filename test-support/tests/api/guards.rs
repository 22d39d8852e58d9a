//! The drop guards remove what they guard: the database, the keys under the prefix, the directory.

use test_support::{MediaDir, RedisPrefix, TestDatabase};

#[tokio::test]
async fn each_guard_removes_what_it_guards_when_dropped() {
    let db = TestDatabase::new();
    let handle = db.handle().await;
    handle
        .collection::<mongodb::bson::Document>("things")
        .insert_one(mongodb::bson::doc! { "a": 1 })
        .await
        .unwrap();
    let name = db.name().to_owned();
    let client = mongodb::Client::with_uri_str(db.uri()).await.unwrap();
    assert!(client.list_database_names().await.unwrap().contains(&name));

    let prefix = RedisPrefix::new();
    let key = format!("{prefix}k");
    let mut redis = redis::Client::open(prefix.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let () = redis::cmd("SET")
        .arg(&key)
        .arg("v")
        .query_async(&mut redis)
        .await
        .unwrap();

    let media = MediaDir::new("guard-test");
    std::fs::create_dir_all(media.path().join("sub")).unwrap();
    std::fs::write(media.path().join("sub/f"), b"x").unwrap();
    let dir = media.path().to_owned();

    drop((db, prefix, media));

    assert!(!client.list_database_names().await.unwrap().contains(&name));
    let exists: bool = redis::cmd("EXISTS")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!exists, "{key} survived its guard");
    assert!(!dir.exists(), "{} survived its guard", dir.display());
}
