//! Test harness: progress-service on port 0 beside a real auth-service and course-service (from
//! `test_support::Services`), all sharing one fresh Redis key prefix and service token, each with its own
//! fresh `test_<uuid>` database, removed by drop guards. One method per endpoint.

use std::time::Duration;

use progress_service::config::Settings;
use progress_service::startup;
use redis::AsyncCommands as _;
use reqwest::{Client, Response};
use serde_json::Value;
use shared::events::stream_key;
use test_support::{
    EVENT_TIMEOUT, Services, TestClient, TestDatabase, User, base_vars, eventually, form, mp4,
    run_id, with_overrides,
};

/// Starts progress-service alone (for the health contract), with a database guard.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let vars = with_overrides(base_vars(&run, true), overrides);
    let settings = Settings::from_source(&vars).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
        .guarded(TestDatabase::named(format!("test_{run}")))
}

/// progress-service and the services it calls, for one test.
pub struct TestApp {
    /// Base URL of progress-service.
    pub address: String,
    pub client: Client,
    pub services: Services,
    /// progress-service's database.
    pub db: TestDatabase,
}

/// A course of an instructor, with its lecture ids in order.
pub struct Course {
    pub owner: User,
    pub id: String,
    pub lectures: Vec<String>,
}

impl TestApp {
    /// Everything with defaults.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Everything; `overrides` replace progress-service's variables.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let services = Services::spawn().await;
        let db = TestDatabase::new();
        let mut vars = base_vars(&run_id(), true);
        for (k, v) in [
            ("MONGO_DB", db.name()),
            ("REDIS_PREFIX", services.prefix.as_str()),
            ("INTERNAL_API_TOKEN", &services.internal_token),
            ("AUTH_SERVICE_URL", &services.auth.address),
            ("COURSE_SERVICE_URL", &services.course.address),
        ] {
            vars.insert(k.to_owned(), v.to_owned());
        }
        let vars = with_overrides(vars, overrides);
        let settings = Settings::from_source(&vars).expect("test settings are invalid");
        let server = startup::build(&settings)
            .await
            .expect("progress-service failed to start");
        let address = format!("http://127.0.0.1:{}", server.port());
        tokio::spawn(server.run_until_stopped());
        Self {
            address,
            client: Client::new(),
            services,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// A published course of a new instructor with lectures of these durations (seconds), in order.
    pub async fn course(&self, durations: &[f64]) -> Course {
        let owner = self.services.sign_up("instructor").await;
        self.course_of(owner, durations).await
    }

    /// A published course of `owner` with lectures of these durations.
    pub async fn course_of(&self, owner: User, durations: &[f64]) -> Course {
        let course = self
            .services
            .course
            .create_course(&owner.token, "Progress course")
            .await;
        let id = course["_id"].as_str().expect("course id").to_owned();
        let mut lectures = Vec::new();
        for (i, secs) in durations.iter().enumerate() {
            lectures.push(self.add_lecture(&owner, &id, i + 1, *secs).await);
        }
        let res = self.services.course.publish(&owner.token, &id, true).await;
        assert_eq!(res.status(), 200, "publish");
        Course {
            owner,
            id,
            lectures,
        }
    }

    /// Adds a lecture of `secs` seconds at `order`; returns its id.
    pub async fn add_lecture(&self, owner: &User, course: &str, order: usize, secs: f64) -> String {
        let order = order.to_string();
        let res = self
            .client
            .post(
                self.services
                    .course
                    .url(&format!("/api/v1/courses/{course}/lectures")),
            )
            .bearer_auth(&owner.token)
            .multipart(form(
                &[("title", &format!("Lecture {order}")), ("order", &order)],
                Some(("video", "clip.mp4", mp4(secs, 1024))),
            ))
            .send()
            .await
            .expect("add lecture");
        assert_eq!(res.status(), 201, "add lecture");
        let body: Value = res.json().await.expect("lecture JSON");
        body["lecture"]["_id"]
            .as_str()
            .expect("lecture id")
            .to_owned()
    }

    /// Deletes a lecture through course-service.
    pub async fn delete_lecture(&self, owner: &User, course: &str, lecture: &str) {
        let res = self
            .client
            .delete(
                self.services
                    .course
                    .url(&format!("/api/v1/courses/{course}/lectures/{lecture}")),
            )
            .bearer_auth(&owner.token)
            .send()
            .await
            .expect("delete lecture");
        assert_eq!(res.status(), 200, "delete lecture");
    }

    /// A new student enrolled in `course` (course-service confirms the enrolment).
    pub async fn student_in(&self, course: &str) -> User {
        let student = self.services.sign_up("student").await;
        self.services.enrol(&student.id, course).await;
        student
    }

    pub async fn get_progress(&self, token: &str, course: &str) -> Response {
        self.send(
            self.client.get(self.url(&format!("/progress/{course}"))),
            token,
        )
        .await
    }

    pub async fn patch_lecture(
        &self,
        token: &str,
        course: &str,
        lecture: &str,
        body: &Value,
    ) -> Response {
        let req = self
            .client
            .patch(self.url(&format!("/progress/{course}/lectures/{lecture}")))
            .json(body);
        self.send(req, token).await
    }

    pub async fn resume(&self, token: &str, course: &str) -> Response {
        let req = self
            .client
            .get(self.url(&format!("/progress/{course}/resume")));
        self.send(req, token).await
    }

    pub async fn complete(&self, token: &str, course: &str) -> Response {
        let req = self
            .client
            .post(self.url(&format!("/progress/{course}/complete")));
        self.send(req, token).await
    }

    pub async fn reset(&self, token: &str, course: &str) -> Response {
        let req = self
            .client
            .post(self.url(&format!("/progress/{course}/reset")));
        self.send(req, token).await
    }

    pub async fn summary(&self, token: &str) -> Response {
        self.send(self.client.get(self.url("/progress")), token)
            .await
    }

    pub async fn stats(&self, token: &str, course: &str) -> Response {
        let req = self
            .client
            .get(self.url(&format!("/progress/{course}/stats")));
        self.send(req, token).await
    }

    /// Sends with `token` as bearer (an empty token sends none).
    async fn send(&self, req: reqwest::RequestBuilder, token: &str) -> Response {
        let req = if token.is_empty() {
            req
        } else {
            req.bearer_auth(token)
        };
        req.send().await.expect("request failed")
    }

    /// The `course.completed` events published so far (their payloads).
    pub async fn completed_events(&self) -> Vec<Value> {
        let client = redis::Client::open(self.services.prefix.url()).expect("REDIS_URL");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        let key = stream_key(self.services.prefix.as_str(), "course.completed");
        let reply: redis::streams::StreamRangeReply = conn.xrange_all(&key).await.expect("XRANGE");
        reply
            .ids
            .iter()
            .map(|entry| {
                let json: String = entry.get("event").expect("event field");
                let envelope: Value = serde_json::from_str(&json).expect("event JSON");
                envelope["payload"].clone()
            })
            .collect()
    }

    /// Waits until `n` `course.completed` events were published, then a little longer to see no more
    /// come (the relay publishes within milliseconds of a write, and polls every second).
    pub async fn expect_completed_events(&self, n: usize) -> Vec<Value> {
        eventually(EVENT_TIMEOUT, "course.completed published", async || {
            (self.completed_events().await.len() >= n).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let events = self.completed_events().await;
        assert_eq!(events.len(), n, "course.completed events: {events:?}");
        events
    }
}

/// Reads a response that must have `status`, returning its JSON body.
pub async fn json_of(res: Response, status: u16) -> Value {
    let actual = res.status();
    let body: Value = res.json().await.expect("the answer is not JSON");
    assert_eq!(actual, status, "unexpected status; body: {body}");
    body
}

/// `data` of a 200 answer in the seed's envelope.
pub async fn data_of(res: Response) -> Value {
    let body = json_of(res, 200).await;
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "success");
    body["data"].clone()
}

/// The progress entry of `lecture` in a `GET /progress/{courseId}` data.
pub fn lecture_of<'a>(data: &'a Value, lecture: &str) -> &'a Value {
    data["progress"]
        .as_array()
        .expect("progress list")
        .iter()
        .find(|p| p["lectureId"] == lecture)
        .unwrap_or_else(|| panic!("no entry for {lecture} in {data}"))
}
