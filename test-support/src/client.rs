//! A client for a server on port 0, a browser-like client with a cookie jar, and send-then-read-JSON.

use serde_json::Value;
use shared::http::BoundServer;

/// Sends the request and reads its answer as JSON, whatever the status (tests assert on the body).
pub async fn send_json(req: reqwest::RequestBuilder) -> Value {
    req.send()
        .await
        .expect("request failed")
        .json()
        .await
        .expect("the answer is not JSON")
}

/// A browser: a client with its own cookie jar that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building a reqwest client")
}

/// A running server and a client to call it.
pub struct TestClient {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// Base URL of the server's admin listener (the gateway's `/metrics`), when it has one.
    pub admin_address: Option<String>,
    pub client: reqwest::Client,
    /// Clean-up guards that live as long as this client (see [`TestClient::guarded`]).
    guards: Vec<Box<dyn std::any::Any + Send>>,
    /// The task serving a server [`TestClient::serve`] started (see [`TestClient::stop`]).
    server: Option<tokio::task::AbortHandle>,
}

impl TestClient {
    /// Runs a just-built server in the background and aims a client at it; a build error fails the test.
    pub fn serve(built: anyhow::Result<BoundServer>) -> Self {
        let server = built.unwrap_or_else(|e| panic!("the service failed to start: {e:#}"));
        let address = format!("http://127.0.0.1:{}", server.port());
        let admin_address = server
            .admin_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let server = tokio::spawn(server.run_until_stopped()).abort_handle();
        Self {
            address,
            admin_address,
            client: reqwest::Client::new(),
            guards: Vec::new(),
            server: Some(server),
        }
    }

    /// Stops a server [`TestClient::serve`] started, as a crash would: the task serving it is aborted, which
    /// drops the server (its listener closes, its workers stop without draining) and its stop hook, so the
    /// service's background tasks (outbox relay, consumers) end too. The guards stay until this client is
    /// dropped, so a new instance can be started on the same database. Returns once the port refuses.
    pub async fn stop(&self) {
        let Some(server) = &self.server else {
            panic!("{} was not started by TestClient::serve", self.address);
        };
        server.abort();
        let address = self.address.trim_start_matches("http://").to_owned();
        crate::eventually(
            crate::RECOVERY_TIMEOUT,
            "the stopped server's port refusing connections",
            async || {
                tokio::net::TcpStream::connect(&address)
                    .await
                    .is_err()
                    .then_some(())
            },
        )
        .await;
    }

    /// Keeps `guard` (a [`crate::TestDatabase`], [`crate::RedisPrefix`], [`crate::MediaDir`]...) alive until
    /// this client is dropped, so what the server created is removed with it.
    #[must_use]
    pub fn guarded(mut self, guard: impl std::any::Any + Send) -> Self {
        self.guards.push(Box::new(guard));
        self
    }

    /// A client for a server already running at `address` (e.g. an [`crate::AuthService`]).
    pub fn for_address(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            admin_address: None,
            client: reqwest::Client::new(),
            guards: Vec::new(),
            server: None,
        }
    }

    /// The same server through another client (a [`browser`] with a cookie jar, say).
    #[must_use]
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        crate::port_of(&self.address)
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

    /// `GET {address}{path}` with a bearer token.
    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request failed")
    }

    /// `POST {address}{path}` with a bearer token and a JSON body.
    pub async fn post_bearer(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request failed")
    }

    /// `GET {address}{path}`, which must answer `status` with a JSON body.
    pub(crate) async fn get_json(&self, path: &str, status: u16, context: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), status, "GET {path} ({context})");
        res.json()
            .await
            .unwrap_or_else(|e| panic!("GET {path} ({context}): the body is not JSON: {e}"))
    }
}
