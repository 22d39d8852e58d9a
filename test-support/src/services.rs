//! A real auth-service and a real course-service in-process on port 0, for the integration tests of the
//! crates that call them (course-service, the gateway, progress- and payment-service), and what those tests
//! do with them: sign a user up, publish a course with lectures, enrol a student through the event a
//! purchase sends. Each service has its own fresh database and media directory; both share one Redis key
//! prefix and one internal service token, as in production they share Redis and the token.

use reqwest::{Client, Response};
use serde_json::{Value, json};
use shared::events::{EventEnvelope, PURCHASE_COMPLETED, Publisher, PurchaseCompleted};
use shared::internal::EnrolmentCheck;
use shared::internal_auth::INTERNAL_TOKEN_HEADER;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::env::{base_vars, required_env, run_id, with_overrides};
use crate::fixtures::{course_fields, form, lecture_form, mp4, png};
use crate::guards::{MediaDir, RedisPrefix, TestDatabase};
use crate::health::RECOVERY_TIMEOUT;
use crate::logs::init_logs;
use crate::poll::eventually;

/// The password of every account the harness creates (and of the configured admin).
pub const PASSWORD: &str = "passw0rd-long";
/// The e-mail of the admin [`Services`] configures (`ADMIN_EMAIL`; password [`PASSWORD`]).
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// The frontend origin the services are told about (`CLIENT_URL`).
pub const CLIENT_URL: &str = "http://localhost:5173";
/// How long [`CourseService::enrol`] waits for course-service to handle the purchase event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(15);

/// An e-mail and password that sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// A signed-up (or signed-in) account: its id and a fresh access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub token: String,
    pub email: String,
}

impl User {
    fn from_body(body: &Value, email: &str) -> Self {
        let text = |v: &Value| {
            v.as_str()
                .unwrap_or_else(|| panic!("no user id or token in {body}"))
                .to_owned()
        };
        Self {
            id: text(&body["user"]["_id"]),
            token: text(&body["token"]),
            email: email.to_owned(),
        }
    }
}

/// What both services get: the test servers (`base_vars`), their database and media directory, the
/// shared prefix and internal token, then `extra`.
fn service_vars(
    db: &TestDatabase,
    media: &MediaDir,
    prefix: &str,
    internal_token: &str,
    extra: &[(&str, &str)],
) -> HashMap<String, String> {
    let vars = with_overrides(
        base_vars(&run_id(), true),
        &[
            ("MONGO_DB", db.name()),
            ("REDIS_PREFIX", prefix),
            ("INTERNAL_API_TOKEN", internal_token),
            ("MEDIA_DIR", media.as_str()),
        ],
    );
    with_overrides(vars, extra)
}

/// A running auth-service on port 0 with its own database and media directory (removed on drop).
pub struct AuthService {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// The service's state (tests reach its store, keys and settings directly).
    pub state: auth_service::state::AppState,
    pub db: TestDatabase,
    pub media: MediaDir,
    client: Client,
}

impl AuthService {
    /// The variables auth-service gets before `overrides`: the test servers, BCRYPT_COST 4, plain-http
    /// cookies, `CLIENT_URL`, the given Redis prefix and internal token. No admin unless overridden.
    pub fn vars(
        db: &TestDatabase,
        media: &MediaDir,
        prefix: &str,
        internal_token: &str,
    ) -> HashMap<String, String> {
        let (smtp_host, smtp_port) = (required_env("SMTP_HOST"), required_env("SMTP_PORT"));
        service_vars(
            db,
            media,
            prefix,
            internal_token,
            &[
                ("BCRYPT_COST", "4"),
                ("COOKIE_SECURE", "false"),
                ("CLIENT_URL", CLIENT_URL),
                ("SMTP_HOST", &smtp_host),
                ("SMTP_PORT", &smtp_port),
            ],
        )
    }

    /// Starts auth-service with [`AuthService::vars`] and `overrides` (which win), and waits until its
    /// start-up work (indexes, signing key, admin) is done, so that it can sign tokens.
    pub async fn spawn(prefix: &str, internal_token: &str, overrides: &[(&str, &str)]) -> Self {
        let service = Self::spawn_unready(prefix, internal_token, overrides).await;
        let prepared = service.state.prepared.clone();
        eventually(
            RECOVERY_TIMEOUT,
            "auth-service's start-up work",
            async || prepared.load(Ordering::Acquire).then_some(()),
        )
        .await;
        service
    }

    /// Starts auth-service like [`AuthService::spawn`] without waiting for its start-up work (which never
    /// finishes while MongoDB is unreachable).
    pub async fn spawn_unready(
        prefix: &str,
        internal_token: &str,
        overrides: &[(&str, &str)],
    ) -> Self {
        init_logs();
        let db = TestDatabase::new();
        let media = MediaDir::new("auth-media");
        let vars = with_overrides(Self::vars(&db, &media, prefix, internal_token), overrides);
        let settings = auth_service::config::Settings::from_source(&vars)
            .unwrap_or_else(|e| panic!("auth-service test settings: {e}"));
        let app = auth_service::startup::Application::build(settings)
            .await
            .unwrap_or_else(|e| panic!("auth-service failed to start: {e:#}"));
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            state,
            db,
            media,
            client: Client::new(),
        }
    }

    /// `{address}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs up a new account of `role` (`student` or `instructor`) named `<role> <random>`.
    pub async fn sign_up(&self, role: &str) -> User {
        let email = format!("u-{}@example.com", &run_id()[..12]);
        let res = self
            .client
            .post(self.url("/api/v1/user/signup"))
            .json(&json!({
                "name": format!("{role} {}", &email[2..8]),
                "email": email,
                "password": PASSWORD,
                "role": role,
            }))
            .send()
            .await
            .expect("sign-up request failed");
        assert_eq!(res.status(), 201, "sign-up of a {role}");
        let body: Value = res.json().await.expect("sign-up answer is not JSON");
        User::from_body(&body, &email)
    }

    /// Signs `credentials` in.
    pub async fn sign_in(&self, credentials: &Credentials) -> User {
        let res = self
            .client
            .post(self.url("/api/v1/user/signin"))
            .json(&json!({ "email": credentials.email, "password": credentials.password }))
            .send()
            .await
            .expect("sign-in request failed");
        assert_eq!(res.status(), 200, "sign-in of {}", credentials.email);
        let body: Value = res.json().await.expect("sign-in answer is not JSON");
        User::from_body(&body, &credentials.email)
    }
}

/// A course published by [`CourseService::published_course`].
#[derive(Debug, Clone)]
pub struct PublishedCourse {
    pub id: String,
    /// The course as `POST /courses` answered it (before publishing).
    pub course: Value,
    /// Its lectures in order, as `POST /courses/{id}/lectures` answered them.
    pub lectures: Vec<Value>,
}

/// A running course-service on port 0 with its own database and media directory (removed on drop).
pub struct CourseService {
    /// Base URL, e.g. `http://127.0.0.1:41235`.
    pub address: String,
    pub db: TestDatabase,
    pub media: MediaDir,
    /// The Redis key prefix it reads events under.
    pub prefix: String,
    /// The service token of its `/internal/...` routes.
    pub internal_token: String,
    redis_url: String,
    client: Client,
}

impl CourseService {
    /// The variables course-service gets before `overrides`: the test servers, the given Redis prefix,
    /// internal token and auth-service.
    pub fn vars(
        db: &TestDatabase,
        media: &MediaDir,
        prefix: &str,
        internal_token: &str,
        auth_address: &str,
    ) -> HashMap<String, String> {
        service_vars(
            db,
            media,
            prefix,
            internal_token,
            &[("AUTH_SERVICE_URL", auth_address)],
        )
    }

    /// Starts course-service with [`CourseService::vars`] and `overrides` (which win), and waits until its
    /// `/readyz` answers 200.
    pub async fn spawn(
        prefix: &str,
        internal_token: &str,
        auth_address: &str,
        overrides: &[(&str, &str)],
    ) -> Self {
        init_logs();
        let db = TestDatabase::new();
        let media = MediaDir::new("course-media");
        let vars = with_overrides(
            Self::vars(&db, &media, prefix, internal_token, auth_address),
            overrides,
        );
        let settings = course_service::config::Settings::from_source(&vars)
            .unwrap_or_else(|e| panic!("course-service test settings: {e}"));
        let server = course_service::startup::build(&settings)
            .await
            .unwrap_or_else(|e| panic!("course-service failed to start: {e:#}"));
        let address = format!("http://127.0.0.1:{}", server.port());
        tokio::spawn(server.run_until_stopped());
        // Ready means its indexes are in place: the unique ones keep enrolments from doubling.
        let client = Client::new();
        let readyz = format!("{address}/readyz");
        eventually(RECOVERY_TIMEOUT, "course-service ready", async || {
            let res = client.get(&readyz).send().await.ok()?;
            (res.status() == 200).then_some(())
        })
        .await;
        Self {
            address,
            db,
            media,
            prefix: prefix.to_owned(),
            internal_token: internal_token.to_owned(),
            redis_url: vars.get("REDIS_URL").cloned().unwrap_or_default(),
            client,
        }
    }

    /// `{address}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `POST /api/v1/courses` with valid fields titled `title` and a PNG thumbnail: a draft of `token`'s
    /// owner. Returns the course JSON.
    pub async fn create_course(&self, token: &str, title: &str) -> Value {
        let fields = course_fields(title);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = self
            .client
            .post(self.url("/api/v1/courses"))
            .bearer_auth(token)
            .multipart(form(&fields, Some(("thumbnail", "thumb.png", png()))))
            .send()
            .await
            .expect("create course request failed");
        assert_eq!(res.status(), 201, "create course");
        let body: Value = res.json().await.expect("create course answer is not JSON");
        body["course"].clone()
    }

    /// Adds a lecture with a 12.5 s MP4; returns the lecture JSON.
    pub async fn add_lecture(
        &self,
        token: &str,
        course_id: &str,
        title: &str,
        order: u32,
        preview: bool,
    ) -> Value {
        let form = lecture_form(title, order, preview, mp4(12.5, 4096));
        let res = self
            .client
            .post(self.url(&format!("/api/v1/courses/{course_id}/lectures")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("add lecture request failed");
        assert_eq!(res.status(), 201, "add lecture");
        let body: Value = res.json().await.expect("add lecture answer is not JSON");
        body["lecture"].clone()
    }

    /// `PATCH /api/v1/courses/{id}/publish` with `{ publish }`.
    pub async fn publish(&self, token: &str, course_id: &str, publish: bool) -> Response {
        self.client
            .patch(self.url(&format!("/api/v1/courses/{course_id}/publish")))
            .bearer_auth(token)
            .json(&json!({ "publish": publish }))
            .send()
            .await
            .expect("publish request failed")
    }

    /// A published course of `owner` titled `title` with `lectures` (at least one) non-preview lectures,
    /// the first titled `Intro`, the others `Lecture <n>`, in that order.
    pub async fn published_course(
        &self,
        owner: &User,
        title: &str,
        lectures: u32,
    ) -> PublishedCourse {
        assert!(lectures >= 1, "a course needs a lecture to be published");
        let course = self.create_course(&owner.token, title).await;
        let id = course["_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no course id in {course}"))
            .to_owned();
        let mut added = Vec::new();
        for order in 1..=lectures {
            let title = if order == 1 {
                "Intro".to_owned()
            } else {
                format!("Lecture {order}")
            };
            added.push(
                self.add_lecture(&owner.token, &id, &title, order, false)
                    .await,
            );
        }
        assert_eq!(
            self.publish(&owner.token, &id, true).await.status(),
            200,
            "publish course"
        );
        PublishedCourse {
            id,
            course,
            lectures: added,
        }
    }

    /// Publishes an event on the shared prefix, as payment- or auth-service would.
    pub async fn publish_event<T: serde::Serialize>(
        &self,
        topic: &str,
        envelope: &EventEnvelope<T>,
    ) {
        let conn = shared::redis_handle::RedisHandle::from_url(&self.redis_url)
            .expect("REDIS_URL is invalid");
        Publisher::new(conn, self.prefix.clone())
            .publish(topic, envelope)
            .await
            .expect("publishing the event failed");
    }

    /// Asks `GET /internal/courses/{course}/enrolments/{user}` whether `user_id` is enrolled.
    pub async fn is_enrolled(&self, user_id: &str, course_id: &str) -> bool {
        let res = self
            .client
            .get(self.url(&format!(
                "/internal/courses/{course_id}/enrolments/{user_id}"
            )))
            .header(INTERNAL_TOKEN_HEADER, &self.internal_token)
            .send()
            .await
            .expect("enrolment check request failed");
        assert_eq!(res.status(), 200, "enrolment check");
        let check: EnrolmentCheck = res.json().await.expect("enrolment check body");
        check.enrolled
    }

    /// Enrols `user_id` in `course_id` as a purchase does (a `purchase.completed` event of 49.99 USD) and
    /// waits until course-service reports the enrolment.
    pub async fn enrol(&self, user_id: &str, course_id: &str) {
        let envelope = EventEnvelope::new(
            PURCHASE_COMPLETED,
            PurchaseCompleted {
                purchase_id: run_id(),
                user_id: user_id.to_owned(),
                course_id: course_id.to_owned(),
                amount_cents: 4999,
                currency: "usd".into(),
            },
        );
        self.publish_event(PURCHASE_COMPLETED, &envelope).await;
        eventually(EVENT_TIMEOUT, "enrolment", async || {
            self.is_enrolled(user_id, course_id).await.then_some(())
        })
        .await;
    }
}

/// A real auth-service (with a configured admin) and a real course-service that trusts it, sharing one
/// Redis prefix and internal token; everything they created is removed on drop.
pub struct Services {
    pub auth: AuthService,
    pub course: CourseService,
    /// The configured admin (`ADMIN_EMAIL`/`ADMIN_PASSWORD` of auth-service).
    pub admin: Credentials,
    /// The service token both accept on `/internal/...` routes.
    pub internal_token: String,
    /// The Redis key prefix both use (events, revocations).
    pub prefix: RedisPrefix,
}

impl Services {
    /// Both services with their defaults.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[], &[]).await
    }

    /// Both services; `auth_overrides` and `course_overrides` replace their variables.
    pub async fn spawn_with(
        auth_overrides: &[(&str, &str)],
        course_overrides: &[(&str, &str)],
    ) -> Self {
        let prefix = RedisPrefix::new();
        let internal_token = format!("internal-{}", run_id());
        let admin = Credentials {
            email: ADMIN_EMAIL.to_owned(),
            password: PASSWORD.to_owned(),
        };
        let mut auth_vars = vec![
            ("ADMIN_EMAIL", admin.email.as_str()),
            ("ADMIN_PASSWORD", admin.password.as_str()),
        ];
        auth_vars.extend_from_slice(auth_overrides);
        let auth = AuthService::spawn(prefix.as_str(), &internal_token, &auth_vars).await;
        let course = CourseService::spawn(
            prefix.as_str(),
            &internal_token,
            &auth.address,
            course_overrides,
        )
        .await;
        Self {
            auth,
            course,
            admin,
            internal_token,
            prefix,
        }
    }

    /// Signs up a new account of `role` (`student` or `instructor`).
    pub async fn sign_up(&self, role: &str) -> User {
        self.auth.sign_up(role).await
    }

    /// The configured admin, signed in.
    pub async fn admin(&self) -> User {
        self.auth.sign_in(&self.admin).await
    }

    /// A new instructor's published course with `lectures` lectures (see
    /// [`CourseService::published_course`]); returns the instructor and the course.
    pub async fn instructor_with_course(
        &self,
        title: &str,
        lectures: u32,
    ) -> (User, PublishedCourse) {
        let owner = self.sign_up("instructor").await;
        let course = self.course.published_course(&owner, title, lectures).await;
        (owner, course)
    }

    /// Enrols `user_id` in `course_id` through a `purchase.completed` event and waits until it took effect.
    pub async fn enrol(&self, user_id: &str, course_id: &str) {
        self.course.enrol(user_id, course_id).await;
    }
}
