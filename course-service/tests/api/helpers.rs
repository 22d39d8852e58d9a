//! Test harness: a real course-service on port 0 and the real auth-service it trusts
//! (`test_support::Services`: one fresh Redis key prefix and internal token, each service with its own fresh
//! `test_<uuid>` database and media directory, all removed when the test ends), with one method per endpoint.

use std::path::{Path, PathBuf};

use course_service::config::Settings;
use course_service::startup;
use reqwest::multipart::Form;
use reqwest::{Client, Response};
use serde_json::Value;
use test_support::{
    CourseService, MediaDir, RedisPrefix, Services, TestClient, TestDatabase, base_vars, run_id,
    with_overrides,
};

pub use test_support::{User, course_fields, form, mp4, png};

/// Starts course-service alone (no auth-service) with a fresh database, prefix and media directory, all
/// removed when the returned client is dropped.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let mut vars = base_vars(&run, true);
    let media = MediaDir::new("course-media");
    vars.insert("MEDIA_DIR".into(), media.as_str().to_owned());
    let settings =
        Settings::from_source(&with_overrides(vars, overrides)).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await).guarded((
        TestDatabase::named(format!("test_{run}")),
        RedisPrefix::for_run(&run),
        media,
    ))
}

/// course-service and the auth-service it trusts, for one test.
pub struct TestApp {
    pub client: Client,
    pub db: mongodb::Database,
    pub media_dir: PathBuf,
    pub services: Services,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_vars(&[]).await
}

/// Both services; `overrides` apply to course-service.
pub async fn spawn_app_with_vars(overrides: &[(&str, &str)]) -> TestApp {
    let services = Services::spawn_with(&[], overrides).await;
    let course = &services.course;
    TestApp {
        client: Client::new(),
        db: course.db.handle().await,
        media_dir: course.media.path().to_owned(),
        services,
    }
}

/// Files under `dir` (recursively), ignoring none.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The app is used through its course-service: `app.url(..)`, `app.create_course(..)`, `app.add_lecture(..)`,
/// `app.publish(..)`, `app.publish_event(..)`.
impl std::ops::Deref for TestApp {
    type Target = CourseService;

    fn deref(&self) -> &CourseService {
        &self.services.course
    }
}

impl TestApp {
    /// Signs up a `role` account in auth-service.
    pub async fn user(&self, role: &str) -> User {
        self.services.sign_up(role).await
    }

    /// The configured admin, signed in.
    pub async fn admin(&self) -> User {
        self.services.admin().await
    }

    /// A request with an optional bearer token.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = self.client.request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(reqwest::Method::GET, path, token)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(reqwest::Method::DELETE, path, token)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(reqwest::Method::PATCH, path, token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, token: Option<&str>, form: Form) -> Response {
        self.request(reqwest::Method::POST, path, token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_form(&self, path: &str, token: Option<&str>, form: Form) -> Response {
        self.request(reqwest::Method::PATCH, path, token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `POST /courses` with `fields` and a PNG thumbnail.
    pub async fn create_course_with(
        &self,
        token: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Response {
        let form = form(fields, Some(("thumbnail", "thumb.png", png())));
        self.post_form("/api/v1/courses", token, form).await
    }

    /// A published course with one non-preview lecture of `owner`; returns `(course, lecture)`.
    pub async fn published_course(&self, owner: &User, title: &str) -> (Value, Value) {
        let published = self.services.course.published_course(owner, title, 1).await;
        (published.course, published.lectures[0].clone())
    }

    /// Enrols `user` in `course` through a `purchase.completed` event and waits for it to take effect.
    pub async fn enrol(&self, user: &User, course_id: &str) {
        self.services.enrol(&user.id, course_id).await;
    }

    /// Publishes `purchase.refunded` for `user`'s purchase of `course_id` and waits until the enrolment is
    /// gone.
    pub async fn refund(&self, user: &User, course_id: &str, purchase_id: &str) {
        let refunded = shared::events::EventEnvelope::new(
            shared::events::PURCHASE_REFUNDED,
            shared::events::PurchaseRefunded {
                purchase_id: purchase_id.into(),
                user_id: user.id.clone(),
                course_id: course_id.to_owned(),
            },
        );
        self.publish_event(shared::events::PURCHASE_REFUNDED, &refunded)
            .await;
        test_support::eventually(test_support::EVENT_TIMEOUT, "un-enrolment", async || {
            (!self.is_enrolled(user, course_id).await).then_some(())
        })
        .await;
    }

    /// Asks the internal route whether `user` is enrolled in `course`.
    pub async fn is_enrolled(&self, user: &User, course_id: &str) -> bool {
        self.services.course.is_enrolled(&user.id, course_id).await
    }

    /// The stored file behind a media URL (`/api/v1/media/<key>`).
    pub fn media_file(&self, url: &str) -> PathBuf {
        self.media_dir
            .join(url.trim_start_matches("/api/v1/media/"))
    }
}

/// Asserts the status and the envelope's error code; returns the body.
pub async fn expect_error(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"], code, "{body}");
    body
}

pub use test_support::tampered;
