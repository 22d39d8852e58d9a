//! Test harness: the real auth-service and the real gateway on port 0, sharing the test Redis (one fresh
//! key prefix per test) and the test MongoDB (a fresh database, dropped afterwards); the other route groups
//! go to a small real HTTP upstream (`upstream.rs`) that reports what it received.

use std::collections::HashMap;

use reqwest::{Client, Response};
use serde_json::{Value, json};
use test_support::{TestClient, required_env, run_id};

use crate::upstream::Upstream;

pub const PASSWORD: &str = "passw0rd-long";
pub const ORIGIN: &str = "http://localhost:5173";

/// What a test may change.
#[derive(Default)]
pub struct Options {
    pub gateway: Vec<(&'static str, String)>,
    pub auth: Vec<(&'static str, String)>,
    /// Route `/courses` and `/media` to a real course-service instead of the reporting upstream.
    pub course_service: bool,
}

impl Options {
    pub fn gateway(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.gateway.push((name, value.into()));
        self
    }

    pub fn auth(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.auth.push((name, value.into()));
        self
    }

    pub fn with_course_service(mut self) -> Self {
        self.course_service = true;
        self
    }
}

/// A running auth-service + gateway (+ the reporting upstream for the other groups).
pub struct Stack {
    pub gateway: TestClient,
    pub auth_address: String,
    /// The real course-service with [`Options::with_course_service`], else the reporting upstream.
    pub course_address: String,
    pub upstream: Upstream,
    pub prefix: String,
    pub redis_url: String,
    db_name: String,
    dirs: Vec<std::path::PathBuf>,
}

pub async fn spawn() -> Stack {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(options: Options) -> Stack {
    let id = run_id();
    let prefix = format!("test:{id}:");
    let db_name = format!("test_{id}");
    let internal = format!("internal-{id}");
    let redis_url = options
        .gateway
        .iter()
        .find(|(k, _)| *k == "REDIS_URL")
        .map_or_else(|| required_env("REDIS_URL"), |(_, v)| v.clone());
    let auth_media = std::env::temp_dir().join(format!("gw-auth-media-{id}"));
    let course_media = std::env::temp_dir().join(format!("gw-course-media-{id}"));
    let mut auth_vars: HashMap<String, String> = [
        ("APP_ENV", "test".to_owned()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("MONGO_URI", required_env("MONGO_URI")),
        ("MONGO_DB", db_name.clone()),
        ("REDIS_URL", redis_url.clone()),
        ("REDIS_PREFIX", prefix.clone()),
        ("INTERNAL_API_TOKEN", internal.clone()),
        ("BCRYPT_COST", "4".into()),
        ("COOKIE_SECURE", "false".into()),
        ("SMTP_HOST", required_env("SMTP_HOST")),
        ("SMTP_PORT", required_env("SMTP_PORT")),
        ("MEDIA_DIR", auth_media.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in &options.auth {
        auth_vars.insert((*k).to_owned(), v.clone());
    }
    let auth_settings = auth_service::config::Settings::from_source(&auth_vars).unwrap();
    let auth = auth_service::startup::Application::build(auth_settings)
        .await
        .expect("auth-service failed to start");
    let auth_address = format!("http://127.0.0.1:{}", auth.port());
    tokio::spawn(auth.run_until_stopped());

    let upstream = Upstream::spawn().await;
    let course_address = if options.course_service {
        let vars: HashMap<String, String> = [
            ("APP_ENV", "test".to_owned()),
            ("HOST", "127.0.0.1".into()),
            ("PORT", "0".into()),
            ("MONGO_URI", required_env("MONGO_URI")),
            ("MONGO_DB", format!("{db_name}_course")),
            ("REDIS_URL", redis_url.clone()),
            ("REDIS_PREFIX", prefix.clone()),
            ("INTERNAL_API_TOKEN", internal.clone()),
            ("AUTH_SERVICE_URL", auth_address.clone()),
            ("MEDIA_DIR", course_media.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let settings = course_service::config::Settings::from_source(&vars).unwrap();
        let course = course_service::startup::build(&settings)
            .await
            .expect("course-service failed to start");
        let address = format!("http://127.0.0.1:{}", course.port());
        tokio::spawn(course.run_until_stopped());
        address
    } else {
        upstream.address.clone()
    };
    let mut vars: HashMap<String, String> = [
        ("APP_ENV", "test".to_owned()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("REDIS_URL", redis_url.clone()),
        ("REDIS_PREFIX", prefix.clone()),
        ("INTERNAL_API_TOKEN", internal),
        ("AUTH_SERVICE_URL", auth_address.clone()),
        ("COURSE_SERVICE_URL", course_address.clone()),
        ("PROGRESS_SERVICE_URL", upstream.address.clone()),
        ("PAYMENT_SERVICE_URL", upstream.address.clone()),
        ("CLIENT_URL", ORIGIN.into()),
        ("JWT_LEEWAY_SECS", "0".into()),
        // Generous by default so that tests about other things never meet the limiter.
        ("RATE_LIMIT_MAX", "10000".into()),
        ("AUTH_RATE_LIMIT_MAX", "10000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in &options.gateway {
        vars.insert((*k).to_owned(), v.clone());
    }
    let settings = gateway::config::Settings::from_source(&vars).expect("gateway settings");
    let gateway = TestClient::serve(gateway::startup::build(&settings).await);
    Stack {
        gateway,
        auth_address,
        course_address,
        upstream,
        prefix,
        redis_url,
        db_name,
        dirs: vec![auth_media, course_media],
    }
}

/// A browser: a client with its own cookie jar.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A unique, valid e-mail address.
pub fn email() -> String {
    format!("user-{}@example.com", &run_id()[..12])
}

impl Stack {
    pub fn url(&self, path: &str) -> String {
        self.gateway.url(path)
    }

    /// Signs up through the gateway with `client` (which keeps the cookies); returns the body.
    pub async fn sign_up(&self, client: &Client, role: &str) -> Value {
        let res = client
            .post(self.url("/api/v1/user/signup"))
            .json(&json!({ "name": "Test User", "email": email(), "password": PASSWORD, "role": role }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "sign-up through the gateway");
        res.json().await.unwrap()
    }

    /// A fresh user's access token.
    pub async fn token(&self, role: &str) -> String {
        let body = self.sign_up(&Client::new(), role).await;
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Response {
        self.gateway
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_bearer(&self, path: &str, token: &str, body: Value) -> Response {
        self.gateway
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

/// Polls `check` every 50 ms for at most `ms` milliseconds; true as soon as it holds.
pub async fn within_ms(ms: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let db_names = [self.db_name.clone(), format!("{}_course", self.db_name)];
        let dirs = std::mem::take(&mut self.dirs);
        let pattern = format!("{}*", self.prefix);
        let redis_url = self.redis_url.clone();
        // The apps' clients live on the test's runtime, which is blocked here: clean up with fresh clients
        // on a runtime of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(client) = mongodb::Client::with_uri_str(required_env("MONGO_URI")).await {
                    for name in &db_names {
                        let _ = client.database(name).drop().await;
                    }
                }
                if let Ok(client) = redis::Client::open(redis_url)
                    && let Ok(mut redis) = client.get_multiplexed_async_connection().await
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
}

/// The gateway alone (no auth-service), with the given variables replaced; for the health contract.
pub async fn spawn_gateway_only(overrides: &[(&str, &str)]) -> TestClient {
    let vars = test_support::with_overrides(test_support::base_vars(&run_id(), false), overrides);
    let settings =
        gateway::config::Settings::from_source(&vars).expect("test settings are invalid");
    TestClient::serve(gateway::startup::build(&settings).await)
}
