//! What the services' integration tests share: the variables `scripts/test` exports, fresh per-test names,
//! a client for a server on port 0, the health contract every service answers, and the `healthcheck`
//! subcommand every binary has.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support panics to fail the test loudly"
)]

use std::collections::HashMap;

use serde_json::{Value, json};
use shared::http::BoundServer;

/// Sends the request and reads its answer as JSON, whatever the status (tests assert on the body).
pub async fn send_json(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
}

/// A variable the test servers export; never skipped, because a skipped suite looks green.
pub fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with ./scripts/test, which starts the test servers and exports it")
    })
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a probe port");
    listener
        .local_addr()
        .expect("probe port has no address")
        .port()
}

/// A fresh id for one test's database name and Redis key prefix, so that no two tests share state.
pub fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The variables every service reads in a test: loopback on port 0, the test Redis under the key prefix
/// `test:<run_id>:` and, `with_mongo`, the test MongoDB with the database `test_<run_id>`.
pub fn base_vars(run_id: &str, with_mongo: bool) -> HashMap<String, String> {
    let mut vars = HashMap::from([
        ("APP_ENV".into(), "test".into()),
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        // The gateway's admin listener; other services ignore it.
        ("ADMIN_PORT".into(), "0".into()),
        ("REDIS_URL".into(), required_env("REDIS_URL")),
        ("REDIS_PREFIX".into(), format!("test:{run_id}:")),
    ]);
    if with_mongo {
        vars.insert("MONGO_URI".into(), required_env("MONGO_URI"));
        // The stub services write nothing yet, so the database is never created and there is nothing to
        // drop; a service that writes needs a drop guard (auth-service's harness has one).
        vars.insert("MONGO_DB".into(), format!("test_{run_id}"));
    }
    vars
}

/// `vars` with each of `overrides` set, replacing what was there.
pub fn with_overrides(
    mut vars: HashMap<String, String>,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    for (name, value) in overrides {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    vars
}

/// A running server and a client to call it.
pub struct TestClient {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// Base URL of the server's admin listener (the gateway's `/metrics`), when it has one.
    pub admin_address: Option<String>,
    pub client: reqwest::Client,
}

impl TestClient {
    /// Runs a just-built server in the background and aims a client at it; a build error fails the test.
    pub fn serve(built: anyhow::Result<BoundServer>) -> Self {
        let server = built.unwrap_or_else(|e| panic!("the service failed to start: {e:#}"));
        let address = format!("http://127.0.0.1:{}", server.port());
        let admin_address = server
            .admin_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        tokio::spawn(server.run_until_stopped());
        Self {
            address,
            admin_address,
            client: reqwest::Client::new(),
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        port_of(&self.address)
    }

    /// `{address}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET {address}{path}`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// `GET {address}{path}`, which must answer `status` with a JSON body.
    async fn get_json(&self, path: &str, status: u16, context: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), status, "GET {path} ({context})");
        res.json()
            .await
            .unwrap_or_else(|e| panic!("GET {path} ({context}): the body is not JSON: {e}"))
    }
}

/// A readiness check a service runs and the variable that tells it where that check's server is.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The key under `checks` in the `/readyz` body.
    pub name: &'static str,
    /// The variable holding the server's URL.
    pub var: &'static str,
    scheme: &'static str,
}

/// MongoDB answers a ping.
pub const MONGO: Check = Check {
    name: "mongo",
    var: "MONGO_URI",
    scheme: "mongodb",
};

/// Redis answers a PING.
pub const REDIS: Check = Check {
    name: "redis",
    var: "REDIS_URL",
    scheme: "redis",
};

impl Check {
    /// A URL for this check's kind of server on a loopback port nothing listens on.
    pub fn unreachable_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, closed_port())
    }
}

/// The whole health contract, on servers `spawn` starts with the given variables replaced: `/healthz`
/// answers 200, `/readyz` 200 with exactly `expected_checks` all `ok`, an unknown route 404 in the error
/// envelope, and `/readyz` 503 naming each check whose server is unreachable while the others stay `ok`.
pub async fn assert_health_contract(
    spawn: impl AsyncFn(&[(&str, &str)]) -> TestClient,
    expected_checks: &[Check],
) {
    let app = spawn(&[]).await;
    assert_live(&app).await;
    assert_ready(&app, expected_checks).await;
    assert_unknown_route_404(&app).await;
    for check in expected_checks {
        let app = spawn(&[(check.var, &check.unreachable_url())]).await;
        assert_unready_when(&app, *check, expected_checks).await;
    }
}

/// `/healthz` answers 200 with `status: ok`.
pub async fn assert_live(app: &TestClient) {
    let body = app.get_json("/healthz", 200, "alive").await;
    assert_eq!(body["status"], "ok", "GET /healthz: {body}");
}

/// `/readyz` answers 200 with `status: ready` and exactly `expected_checks`, each `ok`.
pub async fn assert_ready(app: &TestClient, expected_checks: &[Check]) {
    let body = app.get_json("/readyz", 200, "every server reachable").await;
    assert_eq!(body["status"], "ready", "GET /readyz: {body}");
    let all_ok: serde_json::Map<String, Value> = expected_checks
        .iter()
        .map(|check| (check.name.to_owned(), json!("ok")))
        .collect();
    assert_eq!(body["checks"], Value::Object(all_ok), "GET /readyz: {body}");
}

/// `/readyz` answers 503 with `status: unavailable`, `failing` not `ok` and every other expected check `ok`.
pub async fn assert_unready_when(app: &TestClient, failing: Check, expected_checks: &[Check]) {
    let context = format!("{} unreachable", failing.name);
    let body = app.get_json("/readyz", 503, &context).await;
    assert_eq!(
        body["status"], "unavailable",
        "GET /readyz ({context}): {body}"
    );
    assert_eq!(
        body["checks"].as_object().map(serde_json::Map::len),
        Some(expected_checks.len()),
        "GET /readyz ({context}) names exactly the expected checks: {body}"
    );
    for check in expected_checks {
        let state = &body["checks"][check.name];
        if check.name == failing.name {
            assert_ne!(state, "ok", "GET /readyz ({context}): {body}");
        } else {
            assert_eq!(state, "ok", "GET /readyz ({context}): {body}");
        }
    }
}

/// An unknown route answers 404 in the error envelope, with a request id.
pub async fn assert_unknown_route_404(app: &TestClient) {
    let res = app.get("/api/v1/no-such-route").await;
    assert_eq!(res.status(), 404, "GET an unknown route");
    assert!(
        res.headers().contains_key("x-request-id"),
        "GET an unknown route has no x-request-id: {:?}",
        res.headers()
    );
    let body: Value = res.json().await.expect("the 404 body is not JSON");
    assert_eq!(body["success"], false, "GET an unknown route: {body}");
    assert_eq!(body["error"], "NOT_FOUND", "GET an unknown route: {body}");
}

/// The port of a base URL such as `http://127.0.0.1:41234`.
pub fn port_of(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("`{address}` has no port"))
}

/// Runs `bin healthcheck` (the real binary, e.g. `env!("CARGO_BIN_EXE_gateway")`) aimed at
/// `127.0.0.1:port`, on the blocking pool so that a server on this test's runtime keeps answering.
pub async fn run_healthcheck(bin: &str, port: u16) -> std::process::Output {
    let bin = bin.to_owned();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(&bin)
            .arg("healthcheck")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
    })
    .await
    .unwrap()
}

/// The `healthcheck` subcommand of `bin`: exit 0 against a ready server (`ready_port`), non-zero with the
/// `/readyz` status on stderr against a running but unready one (`unready_port`), non-zero against a port
/// nothing listens on.
pub async fn assert_healthcheck_command(bin: &str, ready_port: u16, unready_port: u16) {
    let ready = run_healthcheck(bin, ready_port).await;
    assert!(
        ready.status.success(),
        "{bin} healthcheck against a ready server: {:?}, stderr: {}",
        ready.status,
        String::from_utf8_lossy(&ready.stderr)
    );
    let unready = run_healthcheck(bin, unready_port).await;
    let stderr = String::from_utf8_lossy(&unready.stderr);
    assert!(
        !unready.status.success() && stderr.contains("503"),
        "{bin} healthcheck against an unready server: {:?}, stderr: {stderr}",
        unready.status
    );
    let closed = run_healthcheck(bin, closed_port()).await;
    assert!(
        !closed.status.success(),
        "{bin} healthcheck against a closed port: {:?}",
        closed.status
    );
}
