//! Faults, each its own test saying what it proves. (The other faults of issue 13 are still to come.)

use serde_json::json;
use test_support::{EVENT_TIMEOUT, eventually};

use crate::actor::{Actor, Credential};
use crate::helpers::{Platform, email, json_of, send, text};
use crate::steps::{publish_course, purchases, students};

/// A new account of `role` that sends its access token as a bearer token.
async fn signed_up(p: &Platform, role: &str) -> Actor {
    let mut actor = Actor::script(email(role));
    let body = p.sign_up(&actor.client, role, &actor.email, role).await;
    actor.id = text(&body, "/user/_id");
    actor.credential = Credential::Bearer(text(&body, "/token"));
    actor
}

#[tokio::test]
async fn a_checkout_while_course_service_is_unreachable_is_a_clear_502_that_records_nothing_and_succeeds_once_it_is_back()
 {
    let p = Platform::spawn_with(None, true).await;
    let proxy = p
        .course_proxy
        .as_ref()
        .expect("course-service behind a proxy");
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    let mut admin = Actor::script(test_support::ADMIN_EMAIL.to_owned());
    admin.credential = Credential::Bearer(text(&p.admin(&admin.client).await, "/token"));
    let checkout = || {
        student
            .post(&p.url("/payments/create-checkout-session"))
            .json(&json!({ "courseId": course.course_id }))
    };

    // course-service goes away: payment-service cannot learn the price, so it says so and stops there.
    proxy.close();
    let body = json_of(send(checkout()).await, 502).await;
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["error"], "BAD_GATEWAY", "{body}");
    assert!(body["requestId"].is_string(), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("127.0.0.1") && !message.contains("connect"),
        "the cause stays in the logs: {message}"
    );
    assert_eq!(p.sim.sessions_created(), 0, "no Checkout Session at Stripe");
    assert_eq!(
        purchases(&p, &admin, &course.course_id).await,
        Vec::<serde_json::Value>::new(),
        "no purchase recorded"
    );

    // It comes back: the same request now starts a checkout, and the purchase goes through.
    proxy.open();
    let body = json_of(send(checkout()).await, 201).await;
    let page = text(&body, "/data/session/url");
    let paid = send(
        student
            .client
            .post(&page)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("action=pay"),
    )
    .await;
    assert_eq!(paid.status(), 303, "paying");
    eventually(EVENT_TIMEOUT, "the enrolment", async || {
        students(&p, &instructor, &course.course_id)
            .await
            .contains(&student.id)
            .then_some(())
    })
    .await;
    let list = purchases(&p, &admin, &course.course_id).await;
    assert_eq!(list.len(), 1, "exactly one purchase: {list:?}");
    assert_eq!(list[0]["status"], "completed", "{list:?}");
    assert_eq!(p.sim.sessions_created(), 1, "{list:?}");
}
