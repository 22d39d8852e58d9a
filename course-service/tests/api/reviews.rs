//! Reviews: who may write, edit, delete, reply and moderate (each refusal proven), what a review shows
//! (the reviewer's name and avatar, never the e-mail; the comment as literal text), paging, sorting and
//! filtering, and the per-user write budget. The aggregate's arithmetic is in `ratings`.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app, spawn_app_with_vars, tampered};

/// A published course of a new instructor, and helpers for its reviews.
pub struct Reviewed<'a> {
    pub app: &'a TestApp,
    pub owner: User,
    pub course: String,
}

impl<'a> Reviewed<'a> {
    pub async fn new(app: &'a TestApp) -> Self {
        let owner = app.user("instructor").await;
        let (course, _) = app.published_course(&owner, "Reviewed").await;
        Self {
            app,
            owner,
            course: course["_id"].as_str().unwrap().to_owned(),
        }
    }

    /// A new student enrolled in the course.
    pub async fn student(&self) -> User {
        let student = self.app.user("student").await;
        self.app.enrol(&student, &self.course).await;
        student
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/courses/{}/reviews{rest}", self.course)
    }

    pub async fn send(
        &self,
        method: Method,
        rest: &str,
        token: Option<&str>,
        body: Value,
    ) -> Response {
        let req = self.app.request(method.clone(), &self.path(rest), token);
        let req = if method == Method::GET || method == Method::DELETE {
            req
        } else {
            req.json(&body)
        };
        req.send().await.unwrap()
    }

    /// `POST` a review; the response.
    pub async fn write(&self, token: &str, rating: i64, comment: &str) -> Response {
        self.send(
            Method::POST,
            "",
            Some(token),
            json!({ "rating": rating, "comment": comment }),
        )
        .await
    }

    /// `POST` a review that must succeed; the review.
    pub async fn written(&self, user: &User, rating: i64) -> Value {
        let res = self.write(&user.token, rating, "Fine course").await;
        assert_eq!(res.status(), 201, "review by {}", user.id);
        res.json::<Value>().await.unwrap()["review"].clone()
    }

    /// The public list with `query` (`?sort=..`).
    pub async fn list(&self, query: &str) -> Value {
        let res = self.send(Method::GET, query, None, Value::Null).await;
        assert_eq!(res.status(), 200, "list {query}");
        res.json().await.unwrap()
    }

    /// The course's `rating` as its detail shows it.
    pub async fn rating(&self) -> Value {
        let res = self
            .app
            .get(&format!("/api/v1/courses/{}", self.course), None)
            .await;
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["course"]["rating"].clone()
    }
}

pub fn id(review: &Value) -> String {
    review["_id"].as_str().unwrap().to_owned()
}

async fn error_of(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_enrolled_student_reviews_once_and_the_review_shows_name_and_avatar_but_no_email() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let student = r.student().await;
    let res = r.write(&student.token, 4, "  Clear and practical.  ").await;
    assert_eq!(res.status(), 201);
    let review = res.json::<Value>().await.unwrap()["review"].clone();
    assert_eq!(review["rating"], 4);
    assert_eq!(review["comment"], "Clear and practical.", "trimmed");
    assert_eq!(review["edited"], false);
    assert_eq!(review["hidden"], false);
    assert_eq!(review["verifiedPurchase"], true);
    assert_eq!(review["reply"], Value::Null);
    assert_eq!(review["reviewer"]["_id"], student.id.as_str());
    assert!(
        review["reviewer"]["name"]
            .as_str()
            .unwrap()
            .starts_with("student ")
    );
    assert!(review["reviewer"].get("avatar").is_some());
    assert!(
        !review.to_string().contains(&student.email),
        "no e-mail: {review}"
    );

    let again = r.write(&student.token, 5, "Second thoughts").await;
    let body = error_of(again, 409).await;
    assert_eq!(body["error"], "CONFLICT");

    let list = r.list("").await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["data"][0]["_id"], review["_id"]);
    assert!(!list.to_string().contains(&student.email));
    assert!(list["data"][0].get("hidden").is_none(), "public shape");
    assert_eq!(
        list["rating"],
        json!({ "average": 4.0, "count": 1, "histogram": [0, 0, 0, 1, 0] })
    );
    assert_eq!(r.rating().await, list["rating"]);
}

#[tokio::test]
async fn instructors_strangers_unenrolled_students_and_bad_tokens_cannot_review() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let enrolled = r.student().await;
    let unenrolled = app.user("student").await;
    let other_instructor = app.user("instructor").await;
    let admin = app.admin().await;
    for (who, token) in [
        ("the course's instructor", &r.owner.token),
        ("another instructor", &other_instructor.token),
        ("an unenrolled student", &unenrolled.token),
        ("an admin (not enrolled)", &admin.token),
    ] {
        let body = error_of(r.write(token, 5, "x").await, 403).await;
        assert_eq!(body["error"], "FORBIDDEN", "{who}");
    }
    assert_eq!(
        r.send(Method::POST, "", None, json!({ "rating": 5 }))
            .await
            .status(),
        401
    );
    assert_eq!(
        r.write(&tampered(&enrolled.token), 5, "x").await.status(),
        401
    );
    // A signed-out (revoked) token is refused too.
    let res = app
        .client
        .post(app.services.auth.url("/api/v1/user/signout"))
        .bearer_auth(&enrolled.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(r.write(&enrolled.token, 5, "x").await.status(), 401);
    assert_eq!(
        r.list("").await["pagination"]["total"],
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_deactivated_account_cannot_review() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let student = r.student().await;
    let admin = app.admin().await;
    let res = app
        .client
        .patch(
            app.services
                .auth
                .url(&format!("/api/v1/auth/users/{}", student.id)),
        )
        .bearer_auth(&admin.token)
        .json(&json!({ "isActive": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Deactivation revokes the account's tokens; course-service checks revocation itself.
    assert_eq!(r.write(&student.token, 5, "x").await.status(), 401);
    assert_eq!(r.list("").await["pagination"]["total"], 0);
}

#[tokio::test]
async fn html_in_a_comment_comes_back_as_the_same_literal_text_and_bad_input_is_400() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let student = r.student().await;
    let html = r#"<script>alert("x")</script> <b>bold</b> &amp; <img src=x onerror=alert(1)>"#;
    let res = r.write(&student.token, 3, html).await;
    assert_eq!(res.status(), 201);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        res.json::<Value>().await.unwrap()["review"]["comment"],
        html
    );
    assert_eq!(r.list("").await["data"][0]["comment"], html);

    let other = r.student().await;
    let long = "a".repeat(2001);
    for (body, field) in [
        (json!({ "rating": 0 }), "rating"),
        (json!({ "rating": 6 }), "rating"),
        (json!({ "rating": 5, "comment": "bell\u{7}" }), "comment"),
        (json!({ "rating": 5, "comment": long }), "comment"),
    ] {
        let res = r
            .send(Method::POST, "", Some(&other.token), body.clone())
            .await;
        let err = error_of(res, 400).await;
        assert_eq!(err["errors"][0]["field"], field, "{body}");
    }
    for body in [
        json!({ "rating": 4.5 }),
        json!({ "rating": "5" }),
        json!({ "comment": "no rating" }),
        json!({ "rating": 5, "extra": true }),
    ] {
        let res = r
            .send(Method::POST, "", Some(&other.token), body.clone())
            .await;
        assert_eq!(res.status(), 400, "{body}");
    }
    // Line breaks and tabs are text; 5.0 is the integer 5 to JSON Schema, so it is accepted.
    let body = json!({ "rating": 5.0, "comment": "line one\n\tline two" });
    let res = r.send(Method::POST, "", Some(&other.token), body).await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn only_the_author_edits_and_the_author_or_an_admin_deletes() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let author = r.student().await;
    let other = r.student().await;
    let admin = app.admin().await;
    let review = r.written(&author, 2).await;
    let one = format!("/{}", id(&review));
    for token in [&other.token, &r.owner.token, &admin.token] {
        let res = r
            .send(Method::PATCH, &one, Some(token), json!({ "rating": 5 }))
            .await;
        assert_eq!(res.status(), 403);
    }
    assert_eq!(
        r.send(Method::PATCH, &one, None, json!({ "rating": 5 }))
            .await
            .status(),
        401
    );
    let res = r
        .send(Method::PATCH, &one, Some(&author.token), json!({}))
        .await;
    assert_eq!(res.status(), 400, "an empty change");
    let res = r
        .send(
            Method::PATCH,
            &one,
            Some(&author.token),
            json!({ "rating": 5, "comment": "Better on a second look" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let edited = res.json::<Value>().await.unwrap()["review"].clone();
    assert_eq!(edited["rating"], 5);
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["comment"], "Better on a second look");
    assert_eq!(r.rating().await["histogram"], json!([0, 0, 0, 0, 1]));

    // Unknown and malformed ids, and a review id under another course.
    let elsewhere = Reviewed::new(&app).await;
    let foreign = format!(
        "/api/v1/courses/{}/reviews/{}",
        elsewhere.course,
        id(&review)
    );
    let res = app
        .request(Method::DELETE, &foreign, Some(&author.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = r
        .send(
            Method::DELETE,
            "/5f0c2f1e9b1e8a3d4c5b6a79",
            Some(&author.token),
            Value::Null,
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = r
        .send(Method::DELETE, "/bad", Some(&author.token), Value::Null)
        .await;
    assert_eq!(res.status(), 400);

    for token in [&other.token, &r.owner.token] {
        assert_eq!(
            r.send(Method::DELETE, &one, Some(token), Value::Null)
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        r.send(Method::DELETE, &one, Some(&admin.token), Value::Null)
            .await
            .status(),
        200
    );
    assert_eq!(
        r.send(Method::DELETE, &one, Some(&author.token), Value::Null)
            .await
            .status(),
        404
    );
    assert_eq!(r.rating().await["count"], 0);
    // Deleted, the author may write a new one.
    r.written(&author, 4).await;
}

#[tokio::test]
async fn the_public_list_pages_sorts_and_filters_by_stars() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let mut written = Vec::new();
    for stars in [3, 5, 1, 5, 4] {
        let student = r.student().await;
        written.push((stars, id(&r.written(&student, stars).await)));
    }
    let ratings = |list: &Value| -> Vec<i64> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rating"].as_i64().unwrap())
            .collect()
    };
    let newest = r.list("").await;
    let newest_ids: Vec<&str> = newest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = written.iter().rev().map(|(_, id)| id.as_str()).collect();
    assert_eq!(newest_ids, expected, "newest first");
    assert_eq!(ratings(&r.list("?sort=highest").await), [5, 5, 4, 3, 1]);
    assert_eq!(ratings(&r.list("?sort=lowest").await), [1, 3, 4, 5, 5]);
    assert_eq!(ratings(&r.list("?rating=5").await), [5, 5]);
    let page = r.list("?sort=highest&limit=2&page=2").await;
    assert_eq!(ratings(&page), [4, 3]);
    assert_eq!(
        page["pagination"],
        json!({ "page": 2, "limit": 2, "total": 5, "pages": 3 })
    );
    for bad in [
        "?sort=best",
        "?rating=6",
        "?rating=x",
        "?limit=0",
        "?page=abc",
    ] {
        let res = r.send(Method::GET, bad, None, Value::Null).await;
        assert_eq!(res.status(), 400, "{bad}");
    }
    let res = app
        .get("/api/v1/courses/5f0c2f1e9b1e8a3d4c5b6a79/reviews", None)
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_drafts_reviews_are_not_shown_to_strangers() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let student = r.student().await;
    r.written(&student, 4).await;
    assert_eq!(
        app.publish(&r.owner.token, &r.course, false).await.status(),
        200
    );
    assert_eq!(
        r.send(Method::GET, "", None, Value::Null).await.status(),
        404
    );
    // The enrolled student and the owner still see them.
    for token in [&student.token, &r.owner.token] {
        let res = r.send(Method::GET, "", Some(token), Value::Null).await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn the_instructor_replies_once_and_edits_the_reply_and_nobody_else_may() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let student = r.student().await;
    let review = r.written(&student, 2).await;
    let reply = format!("/{}/reply", id(&review));
    let other_instructor = app.user("instructor").await;
    for token in [&student.token, &other_instructor.token] {
        let res = r
            .send(
                Method::PUT,
                &reply,
                Some(token),
                json!({ "text": "Thanks" }),
            )
            .await;
        assert_eq!(res.status(), 403);
    }
    assert_eq!(
        r.send(Method::PUT, &reply, None, json!({ "text": "x" }))
            .await
            .status(),
        401
    );
    assert_eq!(
        r.send(
            Method::PUT,
            &reply,
            Some(&r.owner.token),
            json!({ "text": "   " })
        )
        .await
        .status(),
        400
    );
    let res = r
        .send(
            Method::PUT,
            &reply,
            Some(&r.owner.token),
            json!({ "text": "Thanks, <i>fixed</i> in v2" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let first = res.json::<Value>().await.unwrap()["review"]["reply"].clone();
    assert_eq!(first["text"], "Thanks, <i>fixed</i> in v2");
    let res = r
        .send(
            Method::PUT,
            &reply,
            Some(&r.owner.token),
            json!({ "text": "Fixed in v2.1" }),
        )
        .await;
    let second = res.json::<Value>().await.unwrap()["review"]["reply"].clone();
    assert_eq!(second["text"], "Fixed in v2.1");
    assert_eq!(second["createdAt"], first["createdAt"], "one reply, edited");
    assert_eq!(
        r.list("").await["data"][0]["reply"]["text"],
        "Fixed in v2.1"
    );
    // Replying does not edit the review, and leaves the rating alone.
    assert_eq!(r.list("").await["data"][0]["edited"], false);
    assert_eq!(
        r.send(Method::DELETE, &reply, Some(&student.token), Value::Null)
            .await
            .status(),
        403
    );
    let res = r
        .send(Method::DELETE, &reply, Some(&r.owner.token), Value::Null)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(r.list("").await["data"][0]["reply"], Value::Null);
}

#[tokio::test]
async fn an_admin_hides_a_review_with_a_reason_and_its_author_still_sees_it() {
    let app = spawn_app().await;
    let r = Reviewed::new(&app).await;
    let author = r.student().await;
    let other = r.student().await;
    let admin = app.admin().await;
    let hidden = r.written(&author, 1).await;
    r.written(&other, 5).await;
    let moderation = format!("/{}/moderation", id(&hidden));
    for token in [&author.token, &other.token, &r.owner.token] {
        let res = r
            .send(
                Method::PUT,
                &moderation,
                Some(token),
                json!({ "hidden": true, "reason": "spam" }),
            )
            .await;
        assert_eq!(res.status(), 403);
    }
    // Unknown and malformed review ids, and a bad page of one's own list.
    let unknown = "/5f0c2f1e9b1e8a3d4c5b6a79";
    let res = r
        .send(
            Method::PUT,
            &format!("{unknown}/moderation"),
            Some(&admin.token),
            json!({ "hidden": false }),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = r
        .send(
            Method::PUT,
            &format!("{unknown}/reply"),
            Some(&r.owner.token),
            json!({ "text": "x" }),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = r
        .send(
            Method::PUT,
            "/bad/moderation",
            Some(&admin.token),
            json!({ "hidden": false }),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.get("/api/v1/user/reviews?limit=0", Some(&author.token))
            .await
            .status(),
        400
    );
    let res = r
        .send(
            Method::PUT,
            &moderation,
            Some(&admin.token),
            json!({ "hidden": true }),
        )
        .await;
    assert_eq!(error_of(res, 400).await["errors"][0]["field"], "reason");
    let res = r
        .send(
            Method::PUT,
            &moderation,
            Some(&admin.token),
            json!({ "hidden": true, "reason": "Off-topic abuse" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let review = res.json::<Value>().await.unwrap()["review"].clone();
    assert_eq!(review["hidden"], true);
    assert_eq!(review["hiddenReason"], "Off-topic abuse");
    // Hiding twice changes nothing.
    let res = r
        .send(
            Method::PUT,
            &moderation,
            Some(&admin.token),
            json!({ "hidden": true, "reason": "again" }),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["review"]["hiddenReason"],
        "Off-topic abuse"
    );

    let list = r.list("").await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(
        list["rating"],
        json!({ "average": 5.0, "count": 1, "histogram": [0, 0, 0, 0, 1] })
    );
    let own = app.get("/api/v1/user/reviews", Some(&author.token)).await;
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["data"][0]["_id"], hidden["_id"]);
    assert_eq!(own["data"][0]["hidden"], true);
    assert_eq!(own["data"][0]["hiddenReason"], "Off-topic abuse");
    // Another user's list does not show it.
    let theirs: Value = app
        .get("/api/v1/user/reviews", Some(&other.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["pagination"]["total"], 1);
    assert_ne!(theirs["data"][0]["_id"], hidden["_id"]);
    assert_eq!(app.get("/api/v1/user/reviews", None).await.status(), 401);

    let res = r
        .send(
            Method::PUT,
            &moderation,
            Some(&admin.token),
            json!({ "hidden": false }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        r.list("").await["rating"],
        json!({ "average": 3.0, "count": 2, "histogram": [1, 0, 0, 0, 1] })
    );
}

#[tokio::test]
async fn review_writes_are_limited_per_user() {
    let app = spawn_app_with_vars(&[
        ("REVIEW_WRITE_MAX", "3"),
        ("REVIEW_WRITE_WINDOW_SECS", "600"),
    ])
    .await;
    let r = Reviewed::new(&app).await;
    let busy = r.student().await;
    let calm = r.student().await;
    let review = r.written(&busy, 3).await;
    let one = format!("/{}", id(&review));
    for stars in [4, 5] {
        let res = r
            .send(
                Method::PATCH,
                &one,
                Some(&busy.token),
                json!({ "rating": stars }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let res = r
        .send(
            Method::PATCH,
            &one,
            Some(&busy.token),
            json!({ "rating": 1 }),
        )
        .await;
    let body = error_of(res, 429).await;
    assert_eq!(body["error"], "RATE_LIMITED");
    let retry = body["details"]["retryAfterSeconds"].as_i64().unwrap();
    assert!((1..=600).contains(&retry), "{body}");
    assert_eq!(
        r.rating().await["histogram"],
        json!([0, 0, 0, 0, 1]),
        "the refused edit changed nothing"
    );
    // Another user's budget is their own.
    r.written(&calm, 2).await;
}
