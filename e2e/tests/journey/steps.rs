//! The journey's steps, each through the gateway's public API and each checking what a user would see;
//! both tests walk them, with different credentials. Anything another service learns from an event is
//! awaited with `eventually`.

use serde_json::{Value, json};
use test_support::{EVENT_TIMEOUT, PASSWORD, eventually, form, mp4, png, run_id};

use crate::actor::Actor;
use crate::helpers::{Platform, json_of, send, text};

/// The locked lecture's video is an MP4 of this length (seconds).
pub const LOCKED_SECS: f64 = 12.0;
/// The preview lecture's video is a WebM of this length (seconds).
pub const PREVIEW_SECS: f64 = 8.0;

/// What the instructor published.
pub struct Published {
    pub course_id: String,
    /// A word only this course's title has, to search by.
    pub keyword: String,
    pub preview_id: String,
    pub preview_url: String,
    pub locked_id: String,
    pub locked_url: String,
    /// The locked lecture's file, to compare streamed ranges with.
    pub locked_video: Vec<u8>,
}

/// The instructor creates a draft course called `title` at `price` (dollars), with a PNG thumbnail; returns
/// the course as answered (201).
pub async fn create_course(p: &Platform, instructor: &Actor, title: &str, price: &str) -> Value {
    let fields = [
        ("title", title),
        ("category", "Programming"),
        ("price", price),
        ("subtitle", "The whole platform at once"),
        ("level", "beginner"),
    ];
    let res = send(
        instructor
            .post(&p.url("/courses"))
            .multipart(form(&fields, Some(("thumbnail", "thumb.png", png())))),
    )
    .await;
    json_of(res, 201).await["course"].clone()
}

/// The instructor publishes the course (200).
pub async fn publish(p: &Platform, instructor: &Actor, course_id: &str) {
    let res = send(
        instructor
            .patch(&p.url(&format!("/courses/{course_id}/publish")))
            .json(&json!({ "publish": true })),
    )
    .await;
    json_of(res, 200).await;
}

/// The instructor creates a course with a thumbnail, adds a WebM preview lecture and an MP4 locked one,
/// and publishes it.
pub async fn publish_course(p: &Platform, instructor: &Actor) -> Published {
    let keyword = format!("kw{}", &run_id()[..10]);
    let title = format!("Rust end to end {keyword}");
    let course = create_course(p, instructor, &title, "49.99").await;
    let course_id = text(&course, "/_id");
    assert_eq!(course["isPublished"], false, "a new course is a draft");
    // The thumbnail is public.
    let thumbnail = text(&course, "/thumbnail");
    let res = send(p.gateway.client.get(p.raw_url(&thumbnail))).await;
    assert_eq!(res.status(), 200, "the thumbnail {thumbnail}");
    assert_eq!(res.bytes().await.expect("thumbnail bytes").as_ref(), png());

    let webm = course_service::media::fixtures::webm(1_000_000, PREVIEW_SECS * 1000.0);
    let preview = add_lecture(
        p,
        instructor,
        &course_id,
        "Preview",
        1,
        true,
        ("clip.webm", webm),
    )
    .await;
    let locked_video = mp4(LOCKED_SECS, 4096);
    let locked = add_lecture(
        p,
        instructor,
        &course_id,
        "Locked",
        2,
        false,
        ("clip.mp4", locked_video.clone()),
    )
    .await;
    assert_eq!(
        preview["duration"].as_f64(),
        Some(PREVIEW_SECS),
        "WebM duration: {preview}"
    );
    assert_eq!(
        locked["duration"].as_f64(),
        Some(LOCKED_SECS),
        "MP4 duration: {locked}"
    );

    publish(p, instructor, &course_id).await;
    Published {
        course_id,
        keyword,
        preview_id: text(&preview, "/_id"),
        preview_url: text(&preview, "/videoUrl"),
        locked_id: text(&locked, "/_id"),
        locked_url: text(&locked, "/videoUrl"),
        locked_video,
    }
}

/// Adds a lecture with its video to the course; returns the lecture.
pub async fn add_lecture(
    p: &Platform,
    instructor: &Actor,
    course_id: &str,
    title: &str,
    order: u32,
    preview: bool,
    (file_name, video): (&str, Vec<u8>),
) -> Value {
    let (order, preview) = (order.to_string(), preview.to_string());
    let fields = [
        ("title", title),
        ("order", order.as_str()),
        ("isPreview", preview.as_str()),
    ];
    let res = send(
        instructor
            .post(&p.url(&format!("/courses/{course_id}/lectures")))
            .multipart(form(&fields, Some(("video", file_name, video)))),
    )
    .await;
    json_of(res, 201).await["lecture"].clone()
}

/// The student finds the course by a word of its title and sees only the preview's `videoUrl`; the preview
/// streams, the locked lecture does not.
pub async fn find_course(p: &Platform, student: &Actor, course: &Published) {
    let res = send(student.get(&p.url(&format!("/courses/search?query={}", course.keyword)))).await;
    let found = json_of(res, 200).await;
    let ids: Vec<&str> = found["data"]
        .as_array()
        .expect("search data")
        .iter()
        .filter_map(|c| c["_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [course.course_id.as_str()],
        "search by {}: {found}",
        course.keyword
    );

    let res = send(student.get(&p.url(&format!("/courses/{}", course.course_id)))).await;
    let body = json_of(res, 200).await;
    let lectures = body["course"]["lectures"].as_array().expect("lectures");
    let urls: Vec<(&str, Option<&str>)> = lectures
        .iter()
        .map(|l| (l["_id"].as_str().unwrap_or(""), l["videoUrl"].as_str()))
        .collect();
    assert_eq!(
        urls,
        [
            (
                course.preview_id.as_str(),
                Some(course.preview_url.as_str())
            ),
            (course.locked_id.as_str(), None)
        ],
        "only the preview's videoUrl before buying"
    );
    let res = send(student.get(&p.raw_url(&course.preview_url))).await;
    assert_eq!(res.status(), 200, "the preview streams to anyone");
    let res = send(
        student
            .get(&p.raw_url(&course.locked_url))
            .header("range", "bytes=0-9"),
    )
    .await;
    assert_eq!(res.status(), 403, "the locked lecture before buying");
}

/// The student starts a checkout, pays on the simulator's page and is sent to the success URL; returns
/// the Checkout Session id.
pub async fn buy(p: &Platform, student: &Actor, course_id: &str) -> String {
    let res = send(
        student
            .post(&p.url("/payments/create-checkout-session"))
            .json(&json!({ "courseId": course_id })),
    )
    .await;
    let body = json_of(res, 201).await;
    let (session_id, page) = (
        text(&body, "/data/session/id"),
        text(&body, "/data/session/url"),
    );
    // The simulator's page is Stripe's origin: no credentials of ours go there.
    let res = send(student.client.get(&page)).await;
    assert_eq!(res.status(), 200, "the checkout page");
    let paid = send(
        student
            .client
            .post(&page)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("action=pay"),
    )
    .await;
    assert_eq!(paid.status(), 303, "paying");
    let location = paid.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(
        location,
        format!("http://localhost:5173/payment/success?session_id={session_id}"),
        "back to the success URL"
    );
    session_id
}

/// The student is enrolled everywhere: on the course's students list (as its instructor sees it), in
/// their profile's `enrolledCourses` and among their purchased courses.
pub async fn assert_enrolled(p: &Platform, instructor: &Actor, student: &Actor, course_id: &str) {
    eventually(
        EVENT_TIMEOUT,
        "the students list naming the buyer",
        async || {
            students(p, instructor, course_id)
                .await
                .contains(&student.id)
                .then_some(())
        },
    )
    .await;
    eventually(EVENT_TIMEOUT, "the profile's enrolledCourses", async || {
        let profile = json_of(send(student.get(&p.url("/user/profile"))).await, 200).await;
        let courses = profile["user"]["enrolledCourses"].as_array()?.clone();
        courses
            .iter()
            .any(|c| c["course"] == course_id && c["enrolledAt"].is_string())
            .then_some(())
    })
    .await;
    let res = send(student.get(&p.url("/payments/purchased-courses"))).await;
    let purchased = json_of(res, 200).await;
    let rows = purchased["data"].as_array().expect("purchased courses");
    assert_eq!(rows.len(), 1, "{purchased}");
    assert_eq!(rows[0]["course"]["_id"], course_id, "{purchased}");
    assert_eq!(rows[0]["status"], "completed", "{purchased}");
    assert_eq!(rows[0]["amount"], 4999, "{purchased}");
}

/// The ids on the course's students list, as `instructor` sees it.
pub async fn students(p: &Platform, instructor: &Actor, course_id: &str) -> Vec<String> {
    let res = send(instructor.get(&p.url(&format!("/courses/{course_id}/students")))).await;
    let body = json_of(res, 200).await;
    body["data"]
        .as_array()
        .expect("students")
        .iter()
        .filter_map(|s| s["_id"].as_str().map(str::to_owned))
        .collect()
}

/// The student now sees the locked lecture's `videoUrl` and streams a `Range` of it: 206 with exactly
/// those bytes.
pub async fn stream(p: &Platform, student: &Actor, course: &Published) {
    let res = send(student.get(&p.url(&format!("/courses/{}", course.course_id)))).await;
    let body = json_of(res, 200).await;
    let lectures = body["course"]["lectures"].as_array().expect("lectures");
    assert!(
        lectures.iter().all(|l| l["videoUrl"].is_string()),
        "every videoUrl once enrolled: {body}"
    );
    let len = course.locked_video.len();
    let res = eventually(EVENT_TIMEOUT, "the locked lecture streaming", async || {
        let res = send(
            student
                .get(&p.raw_url(&course.locked_url))
                .header("range", "bytes=100-1123"),
        )
        .await;
        (res.status() == 206).then_some(res)
    })
    .await;
    assert_eq!(
        res.headers()["content-range"].to_str().ok(),
        Some(format!("bytes 100-1123/{len}").as_str())
    );
    let bytes = res.bytes().await.expect("video bytes");
    assert_eq!(
        bytes.as_ref(),
        &course.locked_video[100..1124],
        "exactly the requested bytes"
    );
}

/// The student's progress on the course.
pub async fn progress(p: &Platform, student: &Actor, course_id: &str) -> reqwest::Response {
    send(student.get(&p.url(&format!("/progress/{course_id}")))).await
}

/// Heartbeats on the locked lecture (4 s watched, then resumed there), then the course completed.
pub async fn watch_and_complete(p: &Platform, student: &Actor, course: &Published) {
    let beat = |watched: Value, position: f64| {
        student
            .patch(&p.url(&format!(
                "/progress/{}/lectures/{}",
                course.course_id, course.locked_id
            )))
            .json(&json!({ "watched": watched, "lastPosition": position }))
    };
    // progress-service learns of the purchase from its event, or asks course-service.
    eventually(EVENT_TIMEOUT, "the first heartbeat accepted", async || {
        (send(beat(json!([[0, 2]]), 2.0)).await.status() == 200).then_some(())
    })
    .await;
    json_of(send(beat(json!([[2, 4]]), 4.0)).await, 200).await;

    let res = send(student.get(&p.url(&format!("/progress/{}/resume", course.course_id)))).await;
    let resume = json_of(res, 200).await;
    assert_eq!(
        resume["data"]["lectureId"],
        course.locked_id.as_str(),
        "{resume}"
    );
    assert_eq!(
        resume["data"]["lastPosition"].as_f64(),
        Some(4.0),
        "{resume}"
    );

    let body = json_of(progress(p, student, &course.course_id).await, 200).await;
    let locked = body["data"]["progress"]
        .as_array()
        .expect("progress")
        .iter()
        .find(|l| l["lectureId"] == course.locked_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("no progress of the locked lecture: {body}"));
    assert_eq!(locked["watchTime"], 4, "unique seconds watched: {body}");
    assert_eq!(locked["isCompleted"], false, "{body}");
    assert_eq!(body["data"]["completionPercentage"], 0, "{body}");
    assert!(body["data"]["completedAt"].is_null(), "{body}");

    let res = send(student.post(&p.url(&format!("/progress/{}/complete", course.course_id)))).await;
    json_of(res, 200).await;
    let body = json_of(progress(p, student, &course.course_id).await, 200).await;
    assert_eq!(body["data"]["completionPercentage"], 100, "{body}");
    assert_eq!(body["data"]["isCompleted"], true, "{body}");
    assert!(
        body["data"]["completedAt"].is_string(),
        "completedAt set: {body}"
    );
}

/// The course's statistics as its instructor reads them.
pub async fn stats(p: &Platform, instructor: &Actor, course_id: &str) -> Value {
    let res = send(instructor.get(&p.url(&format!("/progress/{course_id}/stats")))).await;
    json_of(res, 200).await["data"].clone()
}

/// The instructor's statistics show the one student who finished.
pub async fn assert_stats_show_the_finisher(p: &Platform, instructor: &Actor, course: &Published) {
    let data = eventually(EVENT_TIMEOUT, "stats counting the enrolment", async || {
        let data = stats(p, instructor, &course.course_id).await;
        (data["enrolled"] == 1).then_some(data)
    })
    .await;
    assert_eq!(data["started"], 1, "{data}");
    assert_eq!(data["completed"], 1, "{data}");
    assert_eq!(data["averageCompletion"].as_f64(), Some(100.0), "{data}");
    let per_lecture: Vec<(&str, &Value)> = data["lectures"]
        .as_array()
        .expect("lectures")
        .iter()
        .map(|l| (l["lectureId"].as_str().unwrap_or(""), &l["completed"]))
        .collect();
    assert_eq!(
        per_lecture,
        [
            (course.preview_id.as_str(), &json!(1)),
            (course.locked_id.as_str(), &json!(1))
        ],
        "{data}"
    );
}

/// The student who finished rates the course through the gateway, the instructor replies, and anyone
/// (no credentials) sees the review with the reply and the course's rating in search.
pub async fn review(p: &Platform, student: &Actor, instructor: &Actor, course: &Published) {
    let reviews = p.url(&format!("/courses/{}/reviews", course.course_id));
    let res = send(
        student
            .post(&reviews)
            .json(&json!({ "rating": 5, "comment": "Clear, and the <video> just works." })),
    )
    .await;
    let review = json_of(res, 201).await["review"].clone();
    let review_id = text(&review, "/_id");
    assert_eq!(review["reviewer"]["_id"], student.id.as_str(), "{review}");
    let res = send(
        instructor
            .request(
                reqwest::Method::PUT,
                &format!("{reviews}/{review_id}/reply"),
            )
            .json(&json!({ "text": "Thank you!" })),
    )
    .await;
    json_of(res, 200).await;
    let anonymous = reqwest::Client::new();
    let listed = json_of(send(anonymous.get(&reviews)).await, 200).await;
    assert_eq!(listed["data"][0]["reply"]["text"], "Thank you!", "{listed}");
    assert_eq!(
        listed["data"][0]["comment"], "Clear, and the <video> just works.",
        "{listed}"
    );
    assert_eq!(listed["rating"]["count"], 1, "{listed}");
    let search = p.url(&format!(
        "/courses/search?query={}&minRating=5&sortBy=rating",
        course.keyword
    ));
    let found = json_of(send(anonymous.get(&search)).await, 200).await;
    assert_eq!(
        found["data"][0]["_id"],
        course.course_id.as_str(),
        "{found}"
    );
    assert_eq!(found["data"][0]["rating"]["average"], 5.0, "{found}");
}

/// The course's rating once the student's purchase is refunded: the review no longer counts.
pub async fn assert_review_left_the_rating(p: &Platform, course_id: &str) {
    let reviews = p.url(&format!("/courses/{course_id}/reviews"));
    eventually(
        EVENT_TIMEOUT,
        "the refund reaching the rating",
        async || {
            let listed = json_of(send(reqwest::Client::new().get(&reviews)).await, 200).await;
            (listed["rating"]["count"] == 0 && listed["pagination"]["total"] == 0).then_some(())
        },
    )
    .await;
}

/// The course's purchases as the admin lists them.
pub async fn purchases(p: &Platform, admin: &Actor, course_id: &str) -> Vec<Value> {
    let res = send(admin.get(&p.url(&format!("/payments/purchases?courseId={course_id}")))).await;
    json_of(res, 200).await["data"]
        .as_array()
        .expect("purchases")
        .clone()
}

/// The student deletes their account (re-entering the password) and every service forgets them: they
/// cannot sign in, the course's students list no longer names them, their progress is gone from the
/// instructor's statistics, and the course's purchase no longer points at them (amount and status kept).
pub async fn delete_account(
    p: &Platform,
    student: &Actor,
    instructor: &Actor,
    admin: &Actor,
    course_id: &str,
    purchase_status: &str,
) {
    let res = send(
        student
            .delete(&p.url("/user/account"))
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    json_of(res, 200).await;
    let res = p.sign_in(&reqwest::Client::new(), &student.email).await;
    assert_eq!(res.status(), 401, "signing in after deletion");
    eventually(
        EVENT_TIMEOUT,
        "the students list forgetting the student",
        async || {
            (!students(p, instructor, course_id)
                .await
                .contains(&student.id))
            .then_some(())
        },
    )
    .await;
    eventually(EVENT_TIMEOUT, "the progress records gone", async || {
        let data = stats(p, instructor, course_id).await;
        (data["enrolled"] == 0 && data["started"] == 0 && data["completed"] == 0).then_some(())
    })
    .await;
    let purchase = eventually(EVENT_TIMEOUT, "the purchase anonymised", async || {
        let list = purchases(p, admin, course_id).await;
        assert_eq!(list.len(), 1, "{list:?}");
        (list[0]["user"] != student.id.as_str()).then(|| list[0].clone())
    })
    .await;
    assert!(purchase["user"].is_null(), "{purchase}");
    assert_eq!(purchase["amount"], 4999, "kept for accounting: {purchase}");
    assert_eq!(
        purchase["status"], purchase_status,
        "kept for accounting: {purchase}"
    );
}

/// The finished course's certificate: listed for the student within seconds of the completion, public
/// through the gateway (credential, checks, the HTML page), and accepted by the independent verifier
/// (PyJWT + the Open Badges 3.0 schema) from the gateway's public URLs alone. Returns its id.
pub async fn certificate(p: &Platform, student: &Actor, course: &Published) -> String {
    let listed = eventually(EVENT_TIMEOUT, "the certificate listed", async || {
        let body = json_of(send(student.get(&p.url("/certificates"))).await, 200).await;
        let first = body["data"].as_array()?.first()?.clone();
        Some(first)
    })
    .await;
    assert_eq!(listed["courseId"], course.course_id.as_str(), "{listed}");
    assert_eq!(listed["status"], "active", "{listed}");
    let id = text(&listed, "/_id");
    let anonymous = reqwest::Client::new();
    let public = json_of(
        send(anonymous.get(p.url(&format!("/certificates/{id}")))).await,
        200,
    )
    .await;
    let credential = &public["certificate"]["credential"];
    assert_eq!(
        credential["id"],
        p.raw_url(&format!("/certificates/{id}")),
        "{credential}"
    );
    assert!(
        !public.to_string().contains(&student.email),
        "no e-mail in public: {public}"
    );
    let checks = json_of(
        send(anonymous.get(p.url(&format!("/certificates/{id}/verify")))).await,
        200,
    )
    .await;
    assert_eq!(checks["valid"], true, "{checks}");
    let page = send(anonymous.get(p.raw_url(&format!("/certificates/{id}")))).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(
        html.contains("Verified") && html.contains("linkedin.com/profile/add"),
        "{html}"
    );
    let (code, verdict) = test_support::independent_verdict(&p.raw_url(""), &id, None).await;
    assert_eq!(code, 0, "the independent verifier: {verdict}");
    id
}

/// After the refund: the certificate reads revoked, its checks fail on `status`, and the independent
/// verifier finds its bit set in the signed status list.
pub async fn assert_certificate_revoked(p: &Platform, id: &str) {
    let url = p.url(&format!("/certificates/{id}/verify"));
    let checks = eventually(
        EVENT_TIMEOUT,
        "the refund revoking the certificate",
        async || {
            let body = json_of(send(reqwest::Client::new().get(&url)).await, 200).await;
            (body["valid"] == false).then_some(body)
        },
    )
    .await;
    let status = checks["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "status"))
        .cloned()
        .unwrap_or_default();
    assert!(
        status["detail"]
            .as_str()
            .is_some_and(|d| d.contains("refunded")),
        "{checks}"
    );
    let (code, verdict) = test_support::independent_verdict(&p.raw_url(""), id, None).await;
    assert_eq!((code, &verdict["revoked"]), (1, &json!(true)), "{verdict}");
}
