//! Test harness: a real auth-service on port 0 (`test_support::AuthService`: a fresh `test_<uuid>` database
//! and media directory, dropped afterwards) with a fresh Redis key prefix, the real SMTP server started by
//! `scripts/test`, and one method per endpoint the tests call.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use auth_service::state::AppState;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use test_support::{ADMIN_EMAIL, AuthService, RedisPrefix, TestClient, eventually, run_id};

pub use test_support::logs;

/// A required environment variable set by `scripts/test`; missing means the test cannot run and must fail.
pub use test_support::required_env as env;

/// A running auth-service for one test; its database, media directory and Redis keys go with it. Calls go
/// through `http` (a browser-like client with a cookie jar): `app.url(..)`, `app.client`, `app.get_bearer(..)`.
pub struct TestApp {
    pub http: TestClient,
    pub state: AppState,
    pub redis: redis::aio::MultiplexedConnection,
    pub prefix: String,
    pub internal_token: String,
    pub media_dir: PathBuf,
    _service: AuthService,
    _prefix: RedisPrefix,
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
    let prefix = RedisPrefix::new();
    let internal_token = format!("internal-{}", run_id());
    let overrides: Vec<(&str, &str)> = overrides
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let service = AuthService::spawn(prefix.as_str(), &internal_token, &overrides).await;
    let redis = redis::Client::open(env("REDIS_URL"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    TestApp {
        http: TestClient::for_address(service.address.clone()).with_client(new_client()),
        state: service.state.clone(),
        redis,
        prefix: prefix.to_string(),
        internal_token,
        media_dir: service.media.path().to_owned(),
        _service: service,
        _prefix: prefix,
    }
}

/// auth-service alone behind a bare client, with the given variables replaced; for the health contract.
pub async fn spawn_for_health(overrides: &[(&str, &str)]) -> TestClient {
    let prefix = RedisPrefix::new();
    // With an admin to create, so that "ready" also means the admin bootstrap ran.
    let mut vars = vec![("ADMIN_EMAIL", ADMIN_EMAIL), ("ADMIN_PASSWORD", PASSWORD)];
    vars.extend_from_slice(overrides);
    let internal_token = format!("internal-{}", run_id());
    let service = AuthService::spawn_unready(prefix.as_str(), &internal_token, &vars).await;
    TestClient::for_address(service.address.clone()).guarded((service, prefix))
}

/// A client with its own cookie jar (one per simulated browser).
pub use test_support::browser as new_client;

pub use test_support::{PASSWORD, email};

impl std::ops::Deref for TestApp {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.http
    }
}

impl TestApp {
    pub async fn post(&self, client: &Client, path: &str, body: Value) -> Response {
        client
            .post(self.url(path))
            .json(&body)
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
    eventually(
        Duration::from_secs(15),
        &format!("a mail to {to}"),
        async || {
            std::fs::read_dir(&maildir)
                .ok()?
                .flatten()
                .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
                .find(|text| text.contains(to))
        },
    )
    .await
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
