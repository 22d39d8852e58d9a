//! Test harness: a real auth-service and course-service on port 0 sharing a fresh Redis key prefix, each
//! with its own fresh `test_<uuid>` database and media directory, all removed by a drop guard.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use course_service::config::Settings;
use course_service::media::fixtures;
use course_service::startup;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response};
use serde_json::{Value, json};
use test_support::{TestClient, base_vars, required_env, run_id, with_overrides};

/// Databases created by the health-contract apps, dropped by that test when it ends.
pub static HEALTH_DBS: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());

/// Starts course-service alone (no auth-service) with a fresh database, prefix and media directory.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let mut vars = base_vars(&run, true);
    let media_dir = std::env::temp_dir().join(format!("course-media-{run}"));
    vars.insert("MEDIA_DIR".into(), media_dir.display().to_string());
    HEALTH_DBS
        .lock()
        .unwrap()
        .push((format!("test_{run}"), media_dir));
    let settings =
        Settings::from_source(&with_overrides(vars, overrides)).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
}

/// Logs of the apps go to the test's captured output (shown when a test fails).
fn init_logs() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "info,course_service=debug,shared=debug,mongodb=warn,hyper=warn,reqwest=warn",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .with_ansi(false)
            .try_init();
    });
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const PASSWORD: &str = "passw0rd-long";

/// A signed-up user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

/// course-service and the auth-service it trusts, for one test.
pub struct TestApp {
    pub address: String,
    pub auth_address: String,
    pub client: Client,
    pub db: mongodb::Database,
    pub prefix: String,
    pub media_dir: PathBuf,
    pub internal_token: String,
    dbs: Vec<String>,
    dirs: Vec<PathBuf>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_vars(&[]).await
}

/// Both services; `overrides` apply to course-service.
pub async fn spawn_app_with_vars(overrides: &[(&str, &str)]) -> TestApp {
    init_logs();
    let run = run_id();
    let auth_run = run_id();
    let prefix = format!("test:{run}:");
    let internal_token = format!("internal-{run}");
    let auth_media = std::env::temp_dir().join(format!("auth-media-{auth_run}"));
    let media_dir = std::env::temp_dir().join(format!("course-media-{run}"));

    let mut auth_vars: HashMap<String, String> = base_vars(&auth_run, true);
    auth_vars.extend(
        [
            ("REDIS_PREFIX", prefix.as_str()),
            ("INTERNAL_API_TOKEN", &internal_token),
            ("BCRYPT_COST", "4"),
            ("COOKIE_SECURE", "false"),
            ("MEDIA_DIR", auth_media.to_str().unwrap()),
            ("ADMIN_EMAIL", ADMIN_EMAIL),
            ("ADMIN_PASSWORD", PASSWORD),
            ("SMTP_HOST", &required_env("SMTP_HOST")),
            ("SMTP_PORT", &required_env("SMTP_PORT")),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let auth_settings = auth_service::config::Settings::from_source(&auth_vars).unwrap();
    let auth = auth_service::startup::Application::build(auth_settings)
        .await
        .expect("auth-service failed to start");
    let auth_address = format!("http://127.0.0.1:{}", auth.port());
    tokio::spawn(auth.run_until_stopped());

    let mut vars = base_vars(&run, true);
    vars.extend(
        [
            ("INTERNAL_API_TOKEN", internal_token.as_str()),
            ("AUTH_SERVICE_URL", &auth_address),
            ("MEDIA_DIR", media_dir.to_str().unwrap()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let settings = Settings::from_source(&with_overrides(vars, overrides)).unwrap();
    let server = startup::build(&settings)
        .await
        .expect("course-service failed to start");
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());

    let db = mongodb::Client::with_uri_str(required_env("MONGO_URI"))
        .await
        .unwrap()
        .database(&format!("test_{run}"));
    TestApp {
        address,
        auth_address,
        client: Client::new(),
        db,
        prefix,
        media_dir: media_dir.clone(),
        internal_token,
        dbs: vec![format!("test_{run}"), format!("test_{auth_run}")],
        dirs: vec![media_dir, auth_media],
    }
}

/// Drops databases, Redis keys and directories with fresh clients on a runtime of its own: the apps'
/// clients live on the test's runtime, which is blocked while this runs.
pub fn clean_up(dbs: Vec<String>, redis_pattern: Option<String>, dirs: Vec<PathBuf>) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            if let Ok(client) = mongodb::Client::with_uri_str(required_env("MONGO_URI")).await {
                for db in dbs {
                    let _ = client.database(&db).drop().await;
                }
            }
            let Some(pattern) = redis_pattern else { return };
            if let Ok(mut redis) = redis::Client::open(required_env("REDIS_URL"))
                .unwrap()
                .get_multiplexed_async_connection()
                .await
            {
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(&pattern)
                    .query_async(&mut redis)
                    .await
                    .unwrap_or_default();
                if !keys.is_empty() {
                    let _: Result<(), _> =
                        redis::cmd("DEL").arg(keys).query_async(&mut redis).await;
                }
            }
        });
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    })
    .join();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        clean_up(
            std::mem::take(&mut self.dbs),
            Some(format!("{}*", self.prefix)),
            std::mem::take(&mut self.dirs),
        );
    }
}

/// A small PNG (only the signature and a header chunk matter to the server).
pub fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

/// A real (tiny) MP4 of `seconds` (timescale 1000) with `payload` bytes of media data.
pub fn mp4(seconds: f64, payload: usize) -> Vec<u8> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "test values"
    )]
    let duration = (seconds * 1000.0).round() as u64;
    fixtures::mp4(1000, duration, 0, payload)
}

/// A multipart form with text `fields` and, if given, a file part.
pub fn form(fields: &[(&str, &str)], file: Option<(&str, &str, Vec<u8>)>) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    if let Some((name, filename, bytes)) = file {
        form = form.part(
            name.to_owned(),
            Part::bytes(bytes).file_name(filename.to_owned()),
        );
    }
    form
}

/// Valid course fields.
pub fn course_fields(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("category", "Programming".to_owned()),
        ("price", "49.99".to_owned()),
        ("subtitle", "Learn it".to_owned()),
        ("description", "A course".to_owned()),
        ("level", "beginner".to_owned()),
    ]
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs up a `role` account in auth-service.
    pub async fn user(&self, role: &str) -> User {
        let email = format!("u-{}@example.com", &run_id()[..12]);
        let res = self
            .client
            .post(format!("{}/api/v1/user/signup", self.auth_address))
            .json(&json!({ "name": format!("{role} {}", &email[2..8]), "email": email, "password": PASSWORD, "role": role }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "sign-up of a {role}");
        let body: Value = res.json().await.unwrap();
        User {
            id: body["user"]["_id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }

    /// The configured admin, signed in.
    pub async fn admin(&self) -> User {
        let res = self
            .client
            .post(format!("{}/api/v1/user/signin", self.auth_address))
            .json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "admin sign-in");
        let body: Value = res.json().await.unwrap();
        User {
            id: body["user"]["_id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
        }
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

    /// Creates a valid draft course titled `title`; returns its JSON.
    pub async fn create_course(&self, token: &str, title: &str) -> Value {
        let fields = course_fields(title);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = self.create_course_with(Some(token), &fields).await;
        assert_eq!(res.status(), 201, "create course");
        res.json::<Value>().await.unwrap()["course"].clone()
    }

    /// Adds a lecture with an MP4 of `seconds`; returns its JSON.
    pub async fn add_lecture(
        &self,
        token: &str,
        course_id: &str,
        title: &str,
        order: u32,
        preview: bool,
    ) -> Value {
        let order = order.to_string();
        let preview = preview.to_string();
        let form = form(
            &[("title", title), ("order", &order), ("isPreview", &preview)],
            Some(("video", "clip.mp4", mp4(12.5, 4096))),
        );
        let res = self
            .post_form(
                &format!("/api/v1/courses/{course_id}/lectures"),
                Some(token),
                form,
            )
            .await;
        assert_eq!(res.status(), 201, "add lecture");
        res.json::<Value>().await.unwrap()["lecture"].clone()
    }

    /// Publishes or unpublishes.
    pub async fn publish(&self, token: &str, course_id: &str, publish: bool) -> Response {
        self.patch_json(
            &format!("/api/v1/courses/{course_id}/publish"),
            Some(token),
            json!({ "publish": publish }),
        )
        .await
    }

    /// A published course with one non-preview lecture of `owner`; returns `(course, lecture)`.
    pub async fn published_course(&self, owner: &User, title: &str) -> (Value, Value) {
        let course = self.create_course(&owner.token, title).await;
        let id = course["_id"].as_str().unwrap();
        let lecture = self.add_lecture(&owner.token, id, "Intro", 1, false).await;
        assert_eq!(self.publish(&owner.token, id, true).await.status(), 200);
        (course, lecture)
    }

    /// Publishes an event on the shared prefix, as payment- or auth-service would.
    pub async fn publish_event<T: serde::Serialize>(
        &self,
        topic: &str,
        envelope: &shared::events::EventEnvelope<T>,
    ) {
        let conn = redis::aio::ConnectionManager::new(
            redis::Client::open(required_env("REDIS_URL")).unwrap(),
        )
        .await
        .unwrap();
        shared::events::Publisher::new(conn, self.prefix.clone())
            .publish(topic, envelope)
            .await
            .unwrap();
    }

    /// Polls `check` every 50 ms for up to 15 s (event handling is asynchronous).
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..300 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what} did not happen within 15 s");
    }

    /// Enrols `user` in `course` through a `purchase.completed` event and waits for it to take effect.
    pub async fn enrol(&self, user: &User, course_id: &str) {
        let envelope = shared::events::EventEnvelope::new(
            shared::events::PURCHASE_COMPLETED,
            shared::events::PurchaseCompleted {
                purchase_id: run_id(),
                user_id: user.id.clone(),
                course_id: course_id.to_owned(),
                amount_cents: 4999,
                currency: "usd".into(),
            },
        );
        self.publish_event(shared::events::PURCHASE_COMPLETED, &envelope)
            .await;
        self.eventually("enrolment", || async {
            self.is_enrolled(user, course_id).await
        })
        .await;
    }

    /// Asks the internal route whether `user` is enrolled in `course`.
    pub async fn is_enrolled(&self, user: &User, course_id: &str) -> bool {
        let body: Value = self
            .client
            .get(self.url(&format!(
                "/internal/courses/{course_id}/enrolments/{}",
                user.id
            )))
            .header("x-internal-token", &self.internal_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["enrolled"] == true
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

/// A token with its signature altered.
pub fn tampered(token: &str) -> String {
    // A character well inside the signature (the last one may only carry padding bits).
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
