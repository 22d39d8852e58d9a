//! Test harness: starts the gateway on port 0 against the Redis that `scripts/test` provides.

use std::collections::HashMap;

use gateway::config::Settings;
use gateway::startup;

/// A running gateway and a client to call it.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    /// `GET {address}{path}`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request failed")
    }
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

/// Starts the gateway with a fresh Redis key prefix.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the gateway, replacing the given variables.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("APP_ENV".into(), "test".into()),
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("REDIS_URL".into(), required_env("REDIS_URL")),
        ("REDIS_PREFIX".into(), format!("test:{run}:")),
    ]);
    for (name, value) in overrides {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let settings = Settings::from_source(&vars).expect("test settings are invalid");
    let app = startup::build(&settings)
        .await
        .expect("gateway failed to start");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
    }
}
