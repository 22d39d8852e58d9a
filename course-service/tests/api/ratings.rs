//! The rating aggregate stays exact: under concurrent reviewers, through edits and deletes, when a
//! purchase is refunded (and bought again), when an account or a course is deleted; the catalogue filters
//! and sorts by it and pages stably; the repair task finds and fixes drift. Requests run at most
//! `IN_FLIGHT` at a time: the test MongoDB (SecantusDB) drops connections beyond about 8 clients.

use futures_util::{StreamExt, stream};
use mongodb::bson::{doc, oid::ObjectId};
use reqwest::Method;
use serde_json::{Value, json};
use shared::events::{EventEnvelope, USER_DELETED, UserDeleted};
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

use crate::helpers::{TestApp, User, spawn_app};
use crate::reviews::{Reviewed, id};

const IN_FLIGHT: usize = 8;

/// `n` new students enrolled in the course, signed up and enrolled `IN_FLIGHT` at a time.
async fn students(r: &Reviewed<'_>, n: usize) -> Vec<User> {
    stream::iter(0..n)
        .map(|_| r.student())
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await
}

/// The rating as `{ average, count, histogram }` for these stars.
fn expected(stars: &[i64]) -> Value {
    let mut histogram = [0_i64; 5];
    for s in stars {
        histogram[usize::try_from(*s - 1).unwrap()] += 1;
    }
    let count = stars.len();
    let average = (!stars.is_empty()).then(|| {
        let mean = stars.iter().sum::<i64>() as f64 / count as f64;
        (mean * 10.0 + 1e-9).round() / 10.0
    });
    json!({ "average": average, "count": count, "histogram": histogram })
}

#[tokio::test]
async fn forty_concurrent_reviewers_give_the_exact_count_average_and_histogram() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    let reviewers = students(r, 40).await;
    // 40 ratings cycling 1..5 with a bias to 5, so the average is not a round number.
    let stars: Vec<i64> = (0..40)
        .map(|i| if i % 3 == 0 { 5 } else { i % 5 + 1 })
        .collect();
    let statuses: Vec<u16> = stream::iter(reviewers.iter().zip(&stars))
        .map(|(student, s)| async move {
            r.write(&student.token, *s, "concurrent")
                .await
                .status()
                .as_u16()
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let want = expected(&stars);
    println!("40 reviewers: rating {}", r.rating().await);
    assert_eq!(r.rating().await, want);
    assert_eq!(r.list("").await["pagination"]["total"], 40);
    // The stored average (what sorting reads) is exact too.
    let stored = course_doc(&app, &r.course).await;
    let sum: i64 = stars.iter().sum();
    assert_eq!(
        stored
            .get_document("rating")
            .unwrap()
            .get_i64("sum")
            .unwrap(),
        sum
    );
    let avg = stored
        .get_document("rating")
        .unwrap()
        .get_f64("average")
        .unwrap();
    assert!((avg - sum as f64 / 40.0).abs() < 1e-12, "{avg}");
}

async fn course_doc(app: &TestApp, course: &str) -> mongodb::bson::Document {
    app.db
        .collection::<mongodb::bson::Document>("courses")
        .find_one(doc! { "_id": ObjectId::parse_str(course).unwrap() })
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn concurrent_edits_and_deletes_keep_the_aggregate_exact() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    let reviewers = students(r, 8).await;
    let mut reviews = Vec::new();
    for student in &reviewers {
        reviews.push(id(&r.written(student, 3).await));
    }
    // Half change to 5 while the other half delete, all at once; then each survivor edits again to 1
    // and back to 4 in two concurrent requests (the last write wins, and the aggregate follows it).
    let statuses: Vec<u16> = stream::iter(reviewers.iter().zip(&reviews).enumerate())
        .map(|(i, (student, review))| async move {
            let path = format!("/{review}");
            let res = if i % 2 == 0 {
                r.send(
                    Method::PATCH,
                    &path,
                    Some(&student.token),
                    json!({ "rating": 5 }),
                )
                .await
            } else {
                r.send(Method::DELETE, &path, Some(&student.token), Value::Null)
                    .await
            };
            res.status().as_u16()
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(r.rating().await, expected(&[5, 5, 5, 5]));

    let survivors: Vec<_> = reviewers.iter().zip(&reviews).step_by(2).collect();
    let edits = survivors
        .iter()
        .flat_map(|(student, review)| [1, 4].map(|stars| (*student, format!("/{review}"), stars)));
    let statuses: Vec<u16> = stream::iter(edits)
        .map(|(student, path, stars)| async move {
            r.send(
                Method::PATCH,
                &path,
                Some(&student.token),
                json!({ "rating": stars }),
            )
            .await
            .status()
            .as_u16()
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let list = r.list("?limit=100").await;
    let now: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rating"].as_i64().unwrap())
        .collect();
    assert_eq!(now.len(), 4);
    assert_eq!(
        list["rating"],
        expected(&now),
        "the aggregate is what the reviews say"
    );
}

#[tokio::test]
async fn a_refund_takes_the_review_out_and_buying_again_puts_it_back() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    let refunded = r.student().await;
    let stays = r.student().await;
    let review = r.written(&refunded, 1).await;
    r.written(&stays, 5).await;
    assert_eq!(r.rating().await, expected(&[1, 5]));

    app.refund(&refunded, &r.course, "purchase-1").await;
    test_support::eventually(
        test_support::EVENT_TIMEOUT,
        "the refund reaches the rating",
        async || (r.rating().await == expected(&[5])).then_some(()),
    )
    .await;
    let list = r.list("").await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_ne!(list["data"][0]["_id"], review["_id"]);
    let own: Value = app
        .get("/api/v1/user/reviews", Some(&refunded.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["data"][0]["verifiedPurchase"], false);
    // Not enrolled any more: no second review.
    assert_eq!(r.write(&refunded.token, 5, "again").await.status(), 403);

    app.enrol(&refunded, &r.course).await;
    test_support::eventually(
        test_support::EVENT_TIMEOUT,
        "the new purchase reaches the rating",
        async || (r.rating().await == expected(&[1, 5])).then_some(()),
    )
    .await;
}

#[tokio::test]
async fn a_deleted_account_s_reviews_go_and_the_rating_follows() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    let other = Reviewed::new(&app).await;
    let leaving = r.student().await;
    app.enrol(&leaving, &other.course).await;
    let stays = r.student().await;
    r.written(&leaving, 2).await;
    other.written(&leaving, 4).await;
    r.written(&stays, 4).await;
    let deleted = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: leaving.id.clone(),
            role: "student".into(),
        },
    );
    app.publish_event(USER_DELETED, &deleted).await;
    test_support::eventually(
        test_support::EVENT_TIMEOUT,
        "the deletion reaches both ratings",
        async || {
            (r.rating().await == expected(&[4]) && other.rating().await == expected(&[]))
                .then_some(())
        },
    )
    .await;
    let left = app
        .db
        .collection::<mongodb::bson::Document>("reviews")
        .count_documents(doc! { "user": ObjectId::parse_str(&leaving.id).unwrap() })
        .await
        .unwrap();
    assert_eq!(left, 0);
    // Redelivered, the event changes nothing.
    app.publish_event(USER_DELETED, &deleted).await;
    r.written(&r.student().await, 1).await;
    assert_eq!(r.rating().await, expected(&[4, 1]));
}

#[tokio::test]
async fn deleting_a_course_removes_its_reviews() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    let student = r.student().await;
    r.written(&student, 5).await;
    let admin = app.admin().await;
    let res = app
        .delete(&format!("/api/v1/courses/{}", r.course), Some(&admin.token))
        .await;
    assert_eq!(res.status(), 200);
    let left = app
        .db
        .collection::<mongodb::bson::Document>("reviews")
        .count_documents(doc! { "course": ObjectId::parse_str(&r.course).unwrap() })
        .await
        .unwrap();
    assert_eq!(left, 0);
    let own: Value = app
        .get("/api/v1/user/reviews", Some(&student.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["pagination"]["total"], 0);
}

#[tokio::test]
async fn the_catalogue_filters_by_min_rating_and_sorted_by_rating_pages_without_repeats_or_gaps() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let a = app.user("student").await;
    let b = app.user("student").await;
    // Seven courses: ties on the average (two at 4.5, two at 3.0 with different counts), and unrated ones.
    let plan: [&[i64]; 7] = [&[5, 4], &[4, 5], &[3], &[3, 3], &[1, 2], &[], &[]];
    let mut courses = Vec::new();
    for (i, stars) in plan.iter().enumerate() {
        let (course, _) = app.published_course(&owner, &format!("Rated {i}")).await;
        let course_id = course["_id"].as_str().unwrap().to_owned();
        for (student, s) in [&a, &b].iter().zip(stars.iter()) {
            app.enrol(student, &course_id).await;
            let res = app
                .request(
                    Method::POST,
                    &format!("/api/v1/courses/{course_id}/reviews"),
                    Some(&student.token),
                )
                .json(&json!({ "rating": s }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        courses.push(course_id);
    }
    let search = |query: String| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/courses/search?{query}"), None)
                .await;
            assert_eq!(res.status(), 200, "{query}");
            res.json::<Value>().await.unwrap()
        }
    };
    // Paged two at a time, sorted by rating: every course once, best first.
    let mut seen: Vec<(String, Option<f64>, u64)> = Vec::new();
    for page in 1..=4 {
        let body = search(format!("title=Rated&sortBy=rating&limit=2&page={page}")).await;
        for c in body["data"].as_array().unwrap() {
            seen.push((
                c["_id"].as_str().unwrap().to_owned(),
                c["rating"]["average"].as_f64(),
                c["rating"]["count"].as_u64().unwrap(),
            ));
        }
    }
    let ids: Vec<&str> = seen.iter().map(|(id, _, _)| id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 7, "no repeats: {seen:?}");
    assert_eq!(ids.len(), 7, "no gaps: {seen:?}");
    let averages: Vec<f64> = seen.iter().map(|(_, avg, _)| avg.unwrap_or(0.0)).collect();
    assert!(
        averages.windows(2).all(|w| w[0] >= w[1]),
        "best first: {seen:?}"
    );
    assert_eq!(seen[2].1, Some(3.0));
    assert_eq!(seen[2].2, 2, "more reviews first among equal averages");
    assert_eq!(
        &seen[0..2].iter().map(|s| s.1).collect::<Vec<_>>(),
        &[Some(4.5), Some(4.5)]
    );

    let mut at_least_3: Vec<String> = search("minRating=3&limit=100".to_owned()).await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["_id"].as_str().unwrap().to_owned())
        .collect();
    at_least_3.sort_unstable();
    let mut want = courses[..4].to_vec();
    want.sort_unstable();
    assert_eq!(
        at_least_3, want,
        "4.5, 4.5, 3.0 and 3.0; not 1.5 nor the unrated"
    );
    assert_eq!(
        search("minRating=5".to_owned()).await["pagination"]["total"],
        0
    );
    let published: Value = app
        .get("/api/v1/courses/published", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(published["data"][0]["rating"]["histogram"].is_array());
    for bad in [
        "minRating=0",
        "minRating=6",
        "minRating=4.5",
        "sortBy=stars",
    ] {
        let res = app
            .get(&format!("/api/v1/courses/search?{bad}&title=x"), None)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn the_repair_task_reports_drift_and_fixes_it() {
    let app = spawn_app().await;
    let r = &Reviewed::new(&app).await;
    for stars in [5, 3] {
        r.written(&r.student().await, stars).await;
    }
    let repair = async || -> Value {
        let res = app
            .client
            .post(app.url("/internal/ratings/repair"))
            .header(INTERNAL_TOKEN_HEADER, &app.services.internal_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["report"].clone()
    };
    assert_eq!(repair().await, json!({ "checked": 1, "drift": [] }));
    // A crash between a review's write and its increment, as drift looks in the store.
    app.db
        .collection::<mongodb::bson::Document>("courses")
        .update_one(
            doc! { "_id": ObjectId::parse_str(&r.course).unwrap() },
            doc! { "$inc": { "rating.h5": 3_i64, "rating.count": 3_i64, "rating.sum": 15_i64 } },
        )
        .await
        .unwrap();
    assert_eq!(r.rating().await["count"], 5);
    let report = repair().await;
    println!("repair report: {report}");
    assert_eq!(
        report,
        json!({ "checked": 1, "drift": [{ "courseId": r.course, "stored": [0, 0, 1, 0, 4], "actual": [0, 0, 1, 0, 1], "repaired": true }] })
    );
    assert_eq!(r.rating().await, expected(&[5, 3]));
    let res = app
        .client
        .post(app.url("/internal/ratings/repair"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "internal token required");
}
