//! The health contract every service answers: `/healthz`, `/readyz` naming each dependency, a start while a
//! dependency is unreachable and the recovery once it is back, and the 404 fallback in the error envelope.

use std::time::Duration;

use serde_json::{Value, json};

use crate::client::TestClient;
use crate::env::{closed_port, required_env};
use crate::poll::eventually;
use crate::proxy::TcpProxy;

/// How long a service may take to report ready once a dependency is back (its background start-up work
/// retries every 2 s, and a MongoDB operation may wait out the 5 s server selection first).
pub const RECOVERY_TIMEOUT: Duration = Duration::from_secs(30);

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
    name: "mongodb",
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
    /// A URL for this check's kind of server that goes through `proxy`.
    pub fn url_via(&self, proxy: &TcpProxy) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, proxy.port())
    }

    /// A URL for this check's kind of server on a loopback port nothing listens on.
    pub fn unreachable_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, closed_port())
    }
}

/// The whole health contract, on servers `spawn` starts with the given variables replaced: `/healthz`
/// answers 200, `/readyz` 200 with exactly `expected_checks` all `ok`, an unknown route 404 in the error
/// envelope; and for each check, a server started while that dependency is unreachable (behind a closed
/// [`TcpProxy`]) answers `/healthz` 200 and `/readyz` 503 naming it while the others stay `ok`, then
/// `/readyz` 200 once the proxy opens.
pub async fn assert_health_contract(
    spawn: impl AsyncFn(&[(&str, &str)]) -> TestClient,
    expected_checks: &[Check],
) {
    let app = spawn(&[]).await;
    assert_live(&app).await;
    // A service may take a moment after binding to finish its start-up work (indexes, keys).
    eventually(RECOVERY_TIMEOUT, "/readyz 200 after start-up", async || {
        (app.get("/readyz").await.status() == 200).then_some(())
    })
    .await;
    assert_ready(&app, expected_checks).await;
    assert_unknown_route_404(&app).await;
    for check in expected_checks {
        let proxy = TcpProxy::in_front_of(&required_env(check.var), false).await;
        let app = spawn(&[(check.var, &check.url_via(&proxy))]).await;
        assert_live(&app).await;
        let what = format!("every check but {} ok", check.name);
        eventually(RECOVERY_TIMEOUT, &what, async || {
            let body: Value = app.get("/readyz").await.json().await.ok()?;
            let others_ok = expected_checks
                .iter()
                .filter(|other| other.name != check.name)
                .all(|other| body["checks"][other.name] == "ok");
            others_ok.then_some(())
        })
        .await;
        assert_unready_when(&app, *check, expected_checks).await;
        proxy.open();
        assert_recovers_when_back(&app, *check, expected_checks).await;
    }
}

/// `/readyz` turns 200 with every expected check `ok` within [`RECOVERY_TIMEOUT`] (after `failing` came
/// back).
pub async fn assert_recovers_when_back(
    app: &TestClient,
    failing: Check,
    expected_checks: &[Check],
) {
    let what = format!("/readyz 200 after {} came back", failing.name);
    eventually(RECOVERY_TIMEOUT, &what, async || {
        let res = app.get("/readyz").await;
        (res.status() == 200).then_some(())
    })
    .await;
    assert_ready(app, expected_checks).await;
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

/// Every service's `Allow` table (the kit's `ServedDocument`): for each `(path, allow)`, a method no route
/// has (`TRACE`) is 405 with `allow` in `Allow`, and `OPTIONS` is 204 listing the same methods, before any
/// login is asked for.
pub async fn assert_allow(app: &TestClient, cases: &[(&str, &str)]) {
    for (path, allow) in cases {
        let url = format!("{}{path}", app.address);
        for (method, status) in [
            (reqwest::Method::TRACE, 405),
            (reqwest::Method::OPTIONS, 204),
        ] {
            let res = app
                .client
                .request(method.clone(), &url)
                .send()
                .await
                .expect("the service did not answer");
            assert_eq!(res.status(), status, "{method} {path}");
            assert_eq!(res.headers()["allow"], *allow, "{method} {path}");
        }
    }
}
