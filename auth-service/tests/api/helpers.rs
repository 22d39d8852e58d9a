//! Test harness: a real auth-service on port 0 against the test MongoDB (fresh `test_<uuid>` database,
//! dropped afterwards), real Redis (fresh key prefix) and the real SMTP server started by `scripts/test`.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, Once};
use std::time::Duration;

use auth_service::config::Settings;
use auth_service::startup::Application;
use auth_service::state::AppState;
use reqwest::{Client, Response};
use serde_json::{Value, json};

/// Every log line written by any app in this test binary (to prove secrets never reach the logs).
pub static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogSink;

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,mongodb=info,hyper=info,h2=info,reqwest=info,actix_server=info",
        );
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(|| LogSink)
            .with_ansi(false)
            .init();
    });
}

/// Everything logged so far, as text.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// A required environment variable set by `scripts/test`; missing means the test cannot run and must fail.
pub use test_support::required_env as env;

/// A running auth-service for one test.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub state: AppState,
    pub redis: redis::aio::MultiplexedConnection,
    pub prefix: String,
    pub internal_token: String,
    pub media_dir: PathBuf,
}

/// Options for [`spawn_app_with`]: extra environment variables.
pub fn spawn_vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(HashMap::new()).await
}

pub async fn spawn_app_with(overrides: HashMap<String, String>) -> TestApp {
    init_logs();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let db_name = format!("test_{id}");
    let prefix = format!("test:{id}:");
    let internal_token = format!("internal-{id}");
    let media_dir = std::env::temp_dir().join(format!("auth-media-{id}"));
    let mut vars = spawn_vars(&[
        ("APP_ENV", "test"),
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("MONGO_DB", &db_name),
        ("REDIS_PREFIX", &prefix),
        ("INTERNAL_API_TOKEN", &internal_token),
        ("BCRYPT_COST", "4"),
        ("COOKIE_SECURE", "false"),
        ("MEDIA_DIR", media_dir.to_str().unwrap()),
        ("CLIENT_URL", "http://localhost:5173"),
    ]);
    vars.insert("MONGO_URI".into(), env("MONGO_URI"));
    vars.insert("REDIS_URL".into(), env("REDIS_URL"));
    vars.insert("SMTP_HOST".into(), env("SMTP_HOST"));
    vars.insert("SMTP_PORT".into(), env("SMTP_PORT"));
    vars.extend(overrides);
    let settings = Settings::from_source(&vars).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("auth-service failed to start");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let redis = redis::Client::open(env("REDIS_URL"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    TestApp {
        address,
        client: new_client(),
        state,
        redis,
        prefix,
        internal_token,
        media_dir,
    }
}

/// A client with its own cookie jar (one per simulated browser).
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let db_name = self.state.store.db.name().to_owned();
        let pattern = format!("{}*", self.prefix);
        let media = self.media_dir.clone();
        // The app's clients run on the test's runtime, which is blocked here; clean-up uses fresh clients on a
        // runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(client) = mongodb::Client::with_uri_str(env("MONGO_URI")).await {
                    let _ = client.database(&db_name).drop().await;
                }
                if let Ok(mut redis) = redis::Client::open(env("REDIS_URL"))
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
            let _ = std::fs::remove_dir_all(media);
        })
        .join();
    }
}

/// A unique, valid e-mail address.
pub fn email() -> String {
    format!(
        "user-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

pub const PASSWORD: &str = "passw0rd-long";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post(&self, client: &Client, path: &str, body: Value) -> Response {
        client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_bearer(&self, path: &str, token: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_up(
        &self,
        client: &Client,
        name: &str,
        email: &str,
        password: &str,
        role: Option<&str>,
    ) -> Response {
        let mut body = json!({ "name": name, "email": email, "password": password });
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        self.post(client, "/api/v1/user/signup", body).await
    }

    /// Signs a new account up and returns `(email, access token, body)`.
    pub async fn new_user(&self, role: &str) -> (String, String, Value) {
        let email = email();
        let res = self
            .sign_up(&new_client(), "Test User", &email, PASSWORD, Some(role))
            .await;
        assert_eq!(res.status(), 201, "sign-up failed");
        let body: Value = res.json().await.unwrap();
        (email, body["token"].as_str().unwrap().to_owned(), body)
    }

    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post(
            client,
            "/api/v1/user/signin",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Refreshes with a refresh token in the JSON body, from a fresh client (no cookies).
    pub async fn refresh(&self, refresh_token: impl serde::Serialize) -> Response {
        self.post(
            &new_client(),
            "/api/v1/auth/refresh-token",
            json!({ "refreshToken": refresh_token }),
        )
        .await
    }

    /// Signs in from a fresh client and returns the JSON body.
    pub async fn sign_in_body(&self, email: &str, password: &str) -> Value {
        self.sign_in(&new_client(), email, password)
            .await
            .json()
            .await
            .unwrap()
    }

    /// Signs the configured admin in and returns its token.
    pub async fn admin_token(&self, email: &str, password: &str) -> String {
        let res = self.sign_in(&new_client(), email, password).await;
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn redis_cmd<T: redis::FromRedisValue>(&self, cmd: &mut redis::Cmd) -> T {
        let mut conn = self.redis.clone();
        cmd.query_async(&mut conn).await.unwrap()
    }
}

/// Listens on the service's revocation channel (subscribe before the action that revokes).
pub async fn subscribe_revocations(app: &TestApp) -> redis::aio::PubSub {
    let client = redis::Client::open(env("REDIS_URL")).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub
        .subscribe(shared::revocation::channel(&app.prefix))
        .await
        .unwrap();
    pubsub
}

/// The next revocation announced (waits up to 2 s).
pub async fn next_revocation(pubsub: &mut redis::aio::PubSub) -> shared::revocation::Revocation {
    use futures_util::StreamExt;
    let msg = tokio::time::timeout(Duration::from_secs(2), pubsub.on_message().next())
        .await
        .expect("no revocation announced within 2 s")
        .unwrap();
    serde_json::from_str(&msg.get_payload::<String>().unwrap()).unwrap()
}

/// Waits (up to 15 s) for a mail to `to` in the test Maildir and returns its raw text.
pub async fn wait_for_mail(to: &str) -> String {
    let maildir = PathBuf::from(env("TEST_MAILDIR")).join("new");
    for _ in 0..150 {
        if let Ok(entries) = std::fs::read_dir(&maildir) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text.contains(to) {
                    return text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} arrived in {}", maildir.display());
}

/// The reset token from a reset mail (the link ends in `/reset-password/<token>`).
pub fn reset_token_from(mail: &str) -> String {
    // Quoted-printable may wrap long lines with a trailing `=`; undo that first.
    let unwrapped = mail.replace("=\r\n", "").replace("=\n", "");
    let start = unwrapped
        .find("/reset-password/")
        .expect("reset link in mail")
        + "/reset-password/".len();
    unwrapped[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Strips the per-request id so two error bodies can be compared.
pub fn without_request_id(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.remove("requestId");
    }
    body
}

/// The `Set-Cookie` header for `name`, whole.
pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}
