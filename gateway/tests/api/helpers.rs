//! Test harness: the real auth-service and the real gateway on port 0, sharing the test Redis (one fresh
//! key prefix per test) and the test MongoDB (`test_support::AuthService`, with a fresh database removed
//! afterwards); the other route groups go to a small real HTTP upstream (`upstream.rs`) that reports what it
//! received, or, for `/courses` and `/media`, to a real course-service on request.

use std::collections::HashMap;

use reqwest::Client;
use serde_json::{Value, json};
use test_support::{
    AuthService, CLIENT_URL, CourseService, RedisPrefix, TestClient, TestDatabase, base_vars,
    required_env, run_id, with_overrides,
};

use crate::upstream::Upstream;

pub use test_support::{PASSWORD, browser, email};

pub const ORIGIN: &str = CLIENT_URL;

/// What a test may change.
#[derive(Default)]
pub struct Options {
    pub gateway: Vec<(&'static str, String)>,
    pub auth: Vec<(&'static str, String)>,
    /// Route `/courses` and `/media` to a real course-service instead of the reporting upstream.
    pub course_service: bool,
    /// Route `/payments` to a real payment-service whose Stripe is a simulator delivering its events to
    /// the gateway's webhook route (implies `course_service`).
    pub payment_service: bool,
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

    pub fn with_payment_service(mut self) -> Self {
        self.course_service = true;
        self.payment_service = true;
        self
    }
}

/// payment-service and the Stripe simulator it talks to.
pub struct Payments {
    pub sim: stripe_sim::StripeSim,
    _app: TestClient,
}

/// The webhook secret of the simulator and payment-service of [`Options::with_payment_service`].
const WEBHOOK_SECRET: &str = "whsec_gateway_tests";
const STRIPE_KEY: &str = "sk_test_gateway_tests";

async fn spawn_payments(
    prefix: &str,
    internal: &str,
    redis_url: &str,
    auth: &str,
    course: &str,
) -> Payments {
    let sim = stripe_sim::StripeSim::start(stripe_sim::SimConfig {
        secret_key: STRIPE_KEY.to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
        ..Default::default()
    })
    .await
    .expect("the Stripe simulator failed to start");
    let db = TestDatabase::new();
    let base = sim.base_url();
    let overrides = [
        ("MONGO_DB", db.name()),
        ("REDIS_URL", redis_url),
        ("REDIS_PREFIX", prefix),
        ("INTERNAL_API_TOKEN", internal),
        ("AUTH_SERVICE_URL", auth),
        ("COURSE_SERVICE_URL", course),
        ("STRIPE_API_BASE", base.as_str()),
        ("STRIPE_SECRET_KEY", STRIPE_KEY),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let vars = with_overrides(base_vars(&run_id(), true), &overrides);
    let settings = payment_service::config::Settings::from_source(&vars).expect("payment settings");
    let app = TestClient::serve(payment_service::startup::build(&settings).await).guarded(db);
    Payments { sim, _app: app }
}

/// A running auth-service + gateway (+ the reporting upstream for the other groups); what they created
/// is removed when it drops.
pub struct Stack {
    pub gateway: TestClient,
    /// auth-service itself, for requests that bypass the gateway.
    pub auth_address: String,
    /// The real course-service with [`Options::with_course_service`], else the reporting upstream.
    pub course_address: String,
    /// Serves the groups whose services are not under test; lives as long as the gateway.
    _upstream: Upstream,
    /// The gateway's variables, for replicas of it.
    gateway_vars: HashMap<String, String>,
    _auth: AuthService,
    _course: Option<CourseService>,
    /// payment-service and its Stripe simulator, with [`Options::with_payment_service`].
    pub payments: Option<Payments>,
    _prefix: RedisPrefix,
}

pub async fn spawn() -> Stack {
    spawn_with(Options::default()).await
}

fn pairs<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub async fn spawn_with(options: Options) -> Stack {
    let internal = format!("internal-{}", run_id());
    let redis_url = options
        .gateway
        .iter()
        .find(|(k, _)| *k == "REDIS_URL")
        .map_or_else(|| required_env("REDIS_URL"), |(_, v)| v.clone());
    // Keys are cleaned on the test Redis, which a test's `REDIS_URL` (a proxy) leads to as well.
    let prefix = RedisPrefix::new();
    let mut auth_vars = vec![("REDIS_URL", redis_url.as_str())];
    auth_vars.extend(pairs(&options.auth));
    let auth = AuthService::spawn(prefix.as_str(), &internal, &auth_vars).await;

    let upstream = Upstream::spawn().await;
    let course = if options.course_service {
        let overrides = [("REDIS_URL", redis_url.as_str())];
        Some(CourseService::spawn(prefix.as_str(), &internal, &auth.address, &overrides).await)
    } else {
        None
    };
    let course_address = course
        .as_ref()
        .map_or_else(|| upstream.address.clone(), |c| c.address.clone());
    let payments = if options.payment_service {
        Some(
            spawn_payments(
                prefix.as_str(),
                &internal,
                &redis_url,
                &auth.address,
                &course_address,
            )
            .await,
        )
    } else {
        None
    };
    let payment_address = payments
        .as_ref()
        .map_or_else(|| upstream.address.clone(), |p| p._app.address.clone());
    let defaults = [
        ("REDIS_URL", redis_url.as_str()),
        ("REDIS_PREFIX", prefix.as_str()),
        ("INTERNAL_API_TOKEN", &internal),
        ("AUTH_SERVICE_URL", &auth.address),
        ("COURSE_SERVICE_URL", course_address.as_str()),
        ("PROGRESS_SERVICE_URL", &upstream.address),
        ("PAYMENT_SERVICE_URL", &payment_address),
        ("CERTIFICATE_SERVICE_URL", &upstream.address),
        ("CLIENT_URL", ORIGIN),
        ("JWT_LEEWAY_SECS", "0"),
        // Generous by default so that tests about other things never meet the limiter.
        ("RATE_LIMIT_MAX", "10000"),
        ("AUTH_RATE_LIMIT_MAX", "10000"),
    ];
    let vars = with_overrides(base_vars(&run_id(), false), &defaults);
    let gateway_vars = with_overrides(vars, &pairs(&options.gateway));
    let gateway = serve_gateway(&gateway_vars).await;
    if let Some(p) = &payments {
        // Stripe calls the public webhook URL: the gateway's.
        p.sim
            .set_webhook_url(Some(gateway.url("/api/v1/payments/webhook")));
    }
    Stack {
        gateway,
        auth_address: auth.address.clone(),
        course_address,
        _upstream: upstream,
        gateway_vars,
        _auth: auth,
        _course: course,
        payments,
        _prefix: prefix,
    }
}

async fn serve_gateway(vars: &HashMap<String, String>) -> TestClient {
    let settings = gateway::config::Settings::from_source(vars).expect("gateway settings");
    TestClient::serve(gateway::startup::build(&settings).await)
}

impl Stack {
    /// Another gateway replica with this one's variables (Redis, prefix, services) and `overrides`.
    pub async fn replica(&self, overrides: &[(&str, &str)]) -> TestClient {
        serve_gateway(&with_overrides(self.gateway_vars.clone(), overrides)).await
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
}

/// The stack is used through its gateway: `stack.url(..)`, `stack.get_bearer(..)`.
impl std::ops::Deref for Stack {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.gateway
    }
}

/// The gateway alone (no auth-service), with the given variables replaced; for the health contract.
pub async fn spawn_gateway_only(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    serve_gateway(&with_overrides(base_vars(&run, false), overrides))
        .await
        .guarded(RedisPrefix::for_run(&run))
}
