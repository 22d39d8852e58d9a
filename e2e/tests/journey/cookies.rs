//! The journey of browser users: everyone authenticates with cookies only, and access tokens live 3 s, so
//! the gateway refreshes sessions silently mid-journey.

use std::time::Duration;

use serde_json::json;
use test_support::{EVENT_TIMEOUT, eventually};

use crate::actor::Actor;
use crate::helpers::{Platform, email, json_of, send, set_cookie_names, text};
use crate::steps::{
    assert_certificate_revoked, assert_enrolled, assert_review_left_the_rating,
    assert_stats_show_the_finisher, buy, certificate, delete_account, find_course, progress,
    publish_course, purchases, review, stream, watch_and_complete,
};

const ACCESS_TTL_SECS: &str = "3";
/// Token times are whole seconds and a token is valid through its `exp` second: 4.1 s after it was issued
/// a 3 s token has surely expired.
const PAST_TTL: Duration = Duration::from_millis(4100);

#[tokio::test]
async fn cookie_users_publish_buy_watch_finish_get_refunded_and_delete_the_account_with_sessions_refreshed_silently()
 {
    let p = Platform::spawn(Some(ACCESS_TTL_SECS)).await;
    let mut instructor = Actor::browser(email("instructor"));
    let body = p
        .sign_up(
            &instructor.client,
            "Ada Instructor",
            &instructor.email,
            "instructor",
        )
        .await;
    instructor.id = text(&body, "/user/_id");
    let course = publish_course(&p, &instructor).await;

    let mut student = Actor::browser(email("student"));
    let body = p
        .sign_up(&student.client, "Sam Student", &student.email, "student")
        .await;
    student.id = text(&body, "/user/_id");
    find_course(&p, &student, &course).await;

    // The access cookie expires; the next request still succeeds and brings a new `token` cookie.
    tokio::time::sleep(PAST_TTL).await;
    let res = send(student.get(&p.url("/user/profile"))).await;
    let names = set_cookie_names(&res);
    assert!(
        names.iter().any(|n| n == "token") && names.iter().any(|n| n == "refresh_token"),
        "a silent refresh sets both cookies: {names:?}"
    );
    assert_eq!(json_of(res, 200).await["user"]["_id"], student.id.as_str());

    let session_id = buy(&p, &student, &course.course_id).await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;
    stream(&p, &student, &course).await;
    watch_and_complete(&p, &student, &course).await;
    let certificate_id = certificate(&p, &student, &course).await;
    assert_stats_show_the_finisher(&p, &instructor, &course).await;
    review(&p, &student, &instructor, &course).await;

    // The configured admin refunds the purchase.
    let admin = Actor::browser(test_support::ADMIN_EMAIL.to_owned());
    p.admin(&admin.client).await;
    let list = purchases(&p, &admin, &course.course_id).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let purchase = &list[0];
    assert_eq!(purchase["user"], student.id.as_str(), "{purchase}");
    assert_eq!(purchase["status"], "completed", "{purchase}");
    assert_eq!(purchase["paymentId"], session_id.as_str(), "{purchase}");
    let purchase_id = text(purchase, "/_id");
    let res = send(
        admin
            .post(&p.url(&format!("/payments/purchases/{purchase_id}/refund")))
            .json(&json!({ "reason": "requested by the student" })),
    )
    .await;
    json_of(res, 200).await;

    // Stripe's `charge.refunded` comes back through the gateway: refunded, and access ends everywhere.
    let status_url = p.url(&format!(
        "/payments/courses/{}/purchase-status",
        course.course_id
    ));
    eventually(EVENT_TIMEOUT, "the purchase reading refunded", async || {
        let body = json_of(send(student.get(&status_url)).await, 200).await;
        (body["data"]["status"] == "refunded" && body["data"]["isPurchased"] == false).then_some(())
    })
    .await;
    eventually(EVENT_TIMEOUT, "the locked lecture closing", async || {
        let res = send(
            student
                .get(&p.raw_url(&course.locked_url))
                .header("range", "bytes=0-9"),
        )
        .await;
        (res.status() == 403).then_some(())
    })
    .await;
    eventually(EVENT_TIMEOUT, "progress closing", async || {
        (progress(&p, &student, &course.course_id).await.status() == 403).then_some(())
    })
    .await;
    assert_review_left_the_rating(&p, &course.course_id).await;
    assert_certificate_revoked(&p, &certificate_id).await;
    let res = send(student.get(&p.url("/payments/purchased-courses"))).await;
    let purchased = json_of(res, 200).await;
    assert_eq!(purchased["data"], json!([]), "{purchased}");

    delete_account(
        &p,
        &student,
        &instructor,
        &admin,
        &course.course_id,
        "refunded",
    )
    .await;
}
