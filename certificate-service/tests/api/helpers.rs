//! Test harness: certificate-service on a port of its own (its `PUBLIC_URL` is its own address, so every
//! URL in a credential can be fetched) beside a real auth-service and course-service from
//! `test_support::Services`, sharing one fresh Redis prefix and service token, each with a fresh
//! database removed by drop guards. Completions, refunds and deletions arrive as the events the other
//! services publish.

use certificate_service::config::Settings;
use certificate_service::startup;
use chrono::Utc;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use shared::events::{
    COURSE_COMPLETED, CourseCompleted, EventEnvelope, PURCHASE_REFUNDED, PurchaseRefunded,
    USER_DELETED, UserDeleted,
};
use test_support::{
    EVENT_TIMEOUT, PublishedCourse, Services, TestClient, TestDatabase, User, base_vars,
    closed_port, eventually, run_id, with_overrides,
};

/// Starts certificate-service alone (for the health contract), with a database guard.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let vars = with_overrides(base_vars(&run, true), overrides);
    let settings = Settings::from_source(&vars).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
        .guarded(TestDatabase::named(format!("test_{run}")))
}

/// certificate-service and the services it calls, for one test.
pub struct TestApp {
    /// Base URL of certificate-service, also its `PUBLIC_URL`.
    pub address: String,
    pub client: Client,
    pub services: Services,
    pub db: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let services = Services::spawn().await;
        let db = TestDatabase::new();
        let port = closed_port().to_string();
        let address = format!("http://127.0.0.1:{port}");
        let vars = with_overrides(
            base_vars(&run_id(), true),
            &[
                ("PORT", &port),
                ("PUBLIC_URL", &address),
                ("ISSUER_NAME", "Test Academy"),
                ("MONGO_DB", db.name()),
                ("REDIS_PREFIX", services.prefix.as_str()),
                ("INTERNAL_API_TOKEN", &services.internal_token),
                ("AUTH_SERVICE_URL", &services.auth.address),
                ("COURSE_SERVICE_URL", &services.course.address),
            ],
        );
        let settings = Settings::from_source(&vars).expect("test settings are invalid");
        let server = startup::build(&settings)
            .await
            .expect("certificate-service failed to start");
        tokio::spawn(server.run_until_stopped());
        let app = Self {
            address,
            client: Client::new(),
            services,
            db,
        };
        eventually(EVENT_TIMEOUT, "certificate-service ready", async || {
            let res = app
                .client
                .get(format!("{}/readyz", app.address))
                .send()
                .await
                .ok()?;
            (res.status() == 200).then_some(())
        })
        .await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// A student enrolled in a new instructor's published course.
    pub async fn student_in_course(&self, title: &str) -> (User, User, PublishedCourse) {
        let (owner, course) = self.services.instructor_with_course(title, 1).await;
        let student = self.services.sign_up("student").await;
        self.services.enrol(&student.id, &course.id).await;
        (owner, student, course)
    }

    /// Publishes `course.completed` as progress-service does; returns the event's id.
    pub async fn complete(&self, user: &str, course: &str) -> EventEnvelope<CourseCompleted> {
        let envelope = EventEnvelope::new(
            COURSE_COMPLETED,
            CourseCompleted {
                user_id: user.to_owned(),
                course_id: course.to_owned(),
                completed_at: Utc::now(),
            },
        );
        self.services
            .course
            .publish_event(COURSE_COMPLETED, &envelope)
            .await;
        envelope
    }

    /// Publishes `purchase.refunded` as payment-service does.
    pub async fn refund(&self, user: &str, course: &str) {
        let envelope = EventEnvelope::new(
            PURCHASE_REFUNDED,
            PurchaseRefunded {
                purchase_id: run_id(),
                user_id: user.to_owned(),
                course_id: course.to_owned(),
            },
        );
        self.services
            .course
            .publish_event(PURCHASE_REFUNDED, &envelope)
            .await;
    }

    /// Publishes `user.deleted` as auth-service does.
    pub async fn user_deleted(&self, user: &str) {
        let envelope = EventEnvelope::new(
            USER_DELETED,
            UserDeleted {
                user_id: user.to_owned(),
                role: "student".to_owned(),
            },
        );
        self.services
            .course
            .publish_event(USER_DELETED, &envelope)
            .await;
    }

    /// The caller's certificates (the list's `data`).
    pub async fn list(&self, token: &str) -> Vec<Value> {
        let res = self.send_get("/certificates", Some(token)).await;
        assert_eq!(res.status(), 200, "list certificates");
        let body: Value = res.json().await.expect("list JSON");
        body["data"].as_array().expect("data array").clone()
    }

    /// Waits until the caller has `n` certificates; returns them.
    pub async fn wait_for_certificates(&self, token: &str, n: usize) -> Vec<Value> {
        eventually(EVENT_TIMEOUT, "certificates listed", async || {
            let list = self.list(token).await;
            (list.len() >= n).then_some(list)
        })
        .await
    }

    pub async fn send_get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request failed")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request failed")
    }

    /// `GET /certificates/{id}`'s certificate.
    pub async fn certificate(&self, id: &str) -> Value {
        let res = self.send_get(&format!("/certificates/{id}"), None).await;
        assert_eq!(res.status(), 200, "get certificate");
        let body: Value = res.json().await.expect("certificate JSON");
        body["certificate"].clone()
    }

    /// `GET /certificates/{id}/verify`.
    pub async fn verification(&self, id: &str) -> Value {
        let res = self
            .send_get(&format!("/certificates/{id}/verify"), None)
            .await;
        assert_eq!(res.status(), 200, "verify certificate");
        res.json().await.expect("verification JSON")
    }

    /// The independent verifier's verdict on certificate `id` (or on `jwt` in its place), and its exit code.
    pub async fn independent_verdict(&self, id: &str, jwt: Option<&str>) -> (i32, Value) {
        test_support::independent_verdict(&self.address, id, jwt).await
    }
}

/// Decodes a JWT's header and payload without checking anything (the tests check the fields).
pub fn jwt_parts(jwt: &str) -> (Value, Value) {
    use base64::Engine as _;
    let part = |i: usize| -> Value {
        let seg = jwt.split('.').nth(i).expect("a JWT has three parts");
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(seg)
            .expect("base64url");
        serde_json::from_slice(&raw).expect("JSON")
    };
    (part(0), part(1))
}

/// The certificate's bit in its published status list.
pub async fn bit_of(app: &TestApp, credential: &Value) -> bool {
    let status = &credential["credentialStatus"];
    let url = status["statusListCredential"].as_str().unwrap_or_default();
    let res = app.client.get(url).send().await.expect("status list");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vc+jwt")
    );
    let (header, list) = jwt_parts(&res.text().await.unwrap_or_default());
    assert_eq!(header["typ"], "vc+jwt");
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    let index: u64 = status["statusListIndex"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    certificate_service::status_list::is_set(
        list["credentialSubject"]["encodedList"]
            .as_str()
            .unwrap_or_default(),
        index,
    )
    .expect("a readable status list")
}
