//! The journey of API clients: the instructor and the admin send `Authorization: Bearer` access tokens,
//! the student an API key (`X-API-Key`); no cookies anywhere. The student deletes the account while
//! still enrolled, so every service has something to forget.

use serde_json::json;

use crate::actor::{Actor, Credential};
use crate::helpers::{Platform, email, json_of, send, text};
use crate::steps::{
    assert_enrolled, assert_stats_show_the_finisher, buy, delete_account, find_course,
    publish_course, purchases, stream, watch_and_complete,
};

#[tokio::test]
async fn api_clients_with_bearer_tokens_and_an_api_key_publish_buy_watch_finish_and_delete_the_account()
 {
    let p = Platform::spawn(None).await;
    let mut instructor = Actor::script(email("instructor"));
    let body = p
        .sign_up(
            &instructor.client,
            "Ian Instructor",
            &instructor.email,
            "instructor",
        )
        .await;
    instructor.id = text(&body, "/user/_id");
    instructor.credential = Credential::Bearer(text(&body, "/token"));
    let course = publish_course(&p, &instructor).await;

    let mut student = Actor::script(email("student"));
    let body = p
        .sign_up(&student.client, "Sue Student", &student.email, "student")
        .await;
    student.id = text(&body, "/user/_id");
    let token = text(&body, "/token");
    let res = send(
        student
            .client
            .post(p.url("/auth/api-keys"))
            .bearer_auth(&token)
            .json(&json!({ "name": "e2e script" })),
    )
    .await;
    let key = text(&json_of(res, 201).await, "/apiKey/key");
    student.credential = Credential::ApiKey(key);

    find_course(&p, &student, &course).await;
    buy(&p, &student, &course.course_id).await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;
    stream(&p, &student, &course).await;
    watch_and_complete(&p, &student, &course).await;
    assert_stats_show_the_finisher(&p, &instructor, &course).await;

    let mut admin = Actor::script(test_support::ADMIN_EMAIL.to_owned());
    let body = p.admin(&admin.client).await;
    admin.credential = Credential::Bearer(text(&body, "/token"));
    let list = purchases(&p, &admin, &course.course_id).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["user"], student.id.as_str(), "{list:?}");

    delete_account(
        &p,
        &student,
        &instructor,
        &admin,
        &course.course_id,
        "completed",
    )
    .await;
    // The API key went with the account.
    let res = send(student.get(&p.url("/user/profile"))).await;
    assert_eq!(res.status(), 401, "the deleted user's API key");
}
