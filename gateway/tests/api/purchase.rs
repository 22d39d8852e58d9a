//! End to end through the gateway with the real auth-, course- and payment-services and the Stripe
//! simulator: a student with a cookie jar buys a course on the simulator's checkout page (form post, 303 to
//! the success URL), Stripe's signed webhook reaches payment-service through the gateway, and the locked
//! lecture that was 403 now streams (206).

use serde_json::{Value, json};
use test_support::{EVENT_TIMEOUT, eventually, form, mp4, png, run_id};

use crate::helpers::{Options, browser, spawn_with};

#[tokio::test]
async fn a_student_buys_on_the_simulators_page_with_a_cookie_jar_and_streams_the_locked_lecture() {
    let stack = spawn_with(Options::default().with_payment_service()).await;
    let instructor = browser();
    stack.sign_up(&instructor, "instructor").await;
    let fields = [
        ("title", format!("Paid Course {}", &run_id()[..8])),
        ("category", "Engineering".to_owned()),
        ("price", "49.99".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = instructor
        .post(stack.url("/api/v1/courses"))
        .multipart(form(&fields, Some(("thumbnail", "thumb.png", png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let course_id = res.json::<Value>().await.unwrap()["course"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let video = mp4(20.0, 4096);
    let lecture = form(
        &[("title", "Locked"), ("order", "1"), ("isPreview", "false")],
        Some(("video", "clip.mp4", video.clone())),
    );
    let res = instructor
        .post(stack.url(&format!("/api/v1/courses/{course_id}/lectures")))
        .multipart(lecture)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let video_url = res.json::<Value>().await.unwrap()["lecture"]["videoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = instructor
        .patch(stack.url(&format!("/api/v1/courses/{course_id}/publish")))
        .json(&json!({ "publish": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A student (cookies only) cannot watch it yet.
    let student = browser();
    stack.sign_up(&student, "student").await;
    let watch = || {
        student
            .get(stack.url(&video_url))
            .header("range", "bytes=100-199")
            .send()
    };
    assert_eq!(watch().await.unwrap().status(), 403);

    // Checkout through the gateway, then pay on the simulator's page.
    let res = student
        .post(stack.url("/api/v1/payments/create-checkout-session"))
        .json(&json!({ "courseId": course_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let session = &body["data"]["session"];
    let (session_id, page) = (
        session["id"].as_str().unwrap(),
        session["url"].as_str().unwrap(),
    );
    assert_eq!(student.get(page).send().await.unwrap().status(), 200);
    let paid = student
        .post(page)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=pay")
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    let location = paid.headers()["location"].to_str().unwrap();
    assert!(
        location.ends_with(&format!("session_id={session_id}")),
        "{location}"
    );

    // The webhook went through the gateway; the student is enrolled and the lecture streams.
    let res = eventually(EVENT_TIMEOUT, "the locked lecture opening", async || {
        let res = watch().await.ok()?;
        (res.status() == 206).then_some(res)
    })
    .await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), &video[100..200]);
    let status: Value = student
        .get(stack.url(&format!(
            "/api/v1/payments/courses/{course_id}/purchase-status"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["data"]["isPurchased"], true, "{status}");
    let sim = &stack.payments.as_ref().unwrap().sim;
    let completed = sim
        .events()
        .into_iter()
        .find(|e| e["type"] == "checkout.session.completed")
        .unwrap();
    assert_eq!(
        sim.delivery_attempts(completed["id"].as_str().unwrap()),
        vec![Some(200)],
        "delivered once, through the gateway, and acknowledged"
    );
}
