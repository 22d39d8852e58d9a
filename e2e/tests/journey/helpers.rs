//! The whole platform for one test: auth- and course-service (`test_support::Services`, with the configured
//! admin), progress-service, payment-service with the Stripe simulator, certificate-service, and the
//! gateway in front of them,
//! all in-process on port 0, sharing one fresh Redis key prefix and service token, each service with its
//! own fresh database (removed by drop guards). Tests talk to the gateway only; what they call here is the
//! public API.

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};
use stripe_sim::{SimConfig, StripeSim};
use test_support::{
    ADMIN_EMAIL, CLIENT_URL, PASSWORD, Services, TcpProxy, TestClient, TestDatabase, base_vars,
    closed_port, required_env, run_id, with_overrides,
};

const STRIPE_KEY: &str = "sk_test_e2e";
const WEBHOOK_SECRET: &str = "whsec_e2e";
/// Where the simulator sends the buyer after paying (the frontend's page; nothing serves it here).
pub const SUCCESS_URL: &str =
    "http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}";

/// What a test changes in the platform it starts: what a fault test puts between the services and what
/// they depend on ([`Platform::spawn_faulty`]), and more settings ([`Platform::spawn_for_with`]); the
/// default is everything direct, as [`Platform::spawn`] starts it.
#[derive(Debug, Default)]
pub struct Faults {
    /// Every caller reaches course-service through [`Platform::course_proxy`].
    pub course_proxy: bool,
    /// Every service reaches Redis through [`Platform::redis_proxy`].
    pub redis_proxy: bool,
    /// The gateway reaches payment-service through [`Platform::payment_proxy`] (so that payment-service
    /// can be restarted behind it: [`Platform::stop_payment`], [`Platform::start_payment`]).
    pub payment_proxy: bool,
    /// Every service's `MONGO_URI` (a database server of the test's own); `None`: the test SecantusDB.
    pub mongo_uri: Option<String>,
    /// Redis variables every service gets (a Sentinel set: `REDIS_SENTINELS`, ...).
    pub redis: Vec<(String, String)>,
    /// More auth-service variables (single sign-on providers: `SSO_PROVIDERS`, ...).
    pub auth_vars: Vec<(String, String)>,
    /// The gateway's port, when what is started before the platform must know it (an OpenID provider's
    /// redirect URI); `None`: a free one.
    pub gateway_port: Option<u16>,
    /// progress-service's course and enrolment cache lifetime (`COURSE_CACHE_SECS`,
    /// `ENROLMENT_CACHE_SECS`); `None`: its default.
    pub progress_cache_secs: Option<&'static str>,
}

/// Everything running, reachable through [`Platform::url`] (the gateway).
pub struct Platform {
    pub gateway: TestClient,
    /// The Stripe simulator (serves the checkout pages, delivers events to the gateway).
    pub sim: StripeSim,
    /// With [`Platform::spawn_with`]`(.., true)`: every caller reaches course-service through this proxy,
    /// so a test can take course-service away (`close`) and bring it back (`open`).
    pub course_proxy: Option<TcpProxy>,
    /// With [`Faults::redis_proxy`]: every service reaches Redis through this proxy.
    pub redis_proxy: Option<TcpProxy>,
    /// With [`Faults::payment_proxy`]: the gateway reaches payment-service through this proxy.
    pub payment_proxy: Option<TcpProxy>,
    progress: TestClient,
    payment: TestClient,
    certificate: TestClient,
    /// What payment-service was started with, to start another instance on the same database.
    payment_settings: payment_service::config::Settings,
    /// Stopped payment-service instances, kept for their drop guards (the database outlives them).
    stopped: Vec<TestClient>,
    services: Services,
}

impl Platform {
    /// Starts everything; `access_ttl_secs` is auth-service's `ACCESS_TOKEN_TTL_SECS` (a short one makes
    /// cookie clients refresh silently mid-journey).
    pub async fn spawn(access_ttl_secs: Option<&str>) -> Self {
        Self::spawn_with(access_ttl_secs, false).await
    }

    /// Like [`Platform::spawn`]; `course_proxy` puts a [`TcpProxy`] between course-service and every
    /// service that calls it (gateway, progress- and payment-service).
    pub async fn spawn_with(access_ttl_secs: Option<&str>, course_proxy: bool) -> Self {
        Self::spawn_for(access_ttl_secs, course_proxy, CLIENT_URL).await
    }

    /// Like [`Platform::spawn_with`] for a frontend at the origin `frontend`: the gateway's `CLIENT_URL`
    /// (CORS) and payment-service's success and cancel URLs (where Checkout sends the buyer back).
    pub async fn spawn_for(
        access_ttl_secs: Option<&str>,
        course_proxy: bool,
        frontend: &str,
    ) -> Self {
        let faults = Faults {
            course_proxy,
            ..Faults::default()
        };
        Self::start(access_ttl_secs, faults, frontend, &[]).await
    }

    /// Like [`Platform::spawn_for`] with more course-service variables (`course_vars`: where media is kept
    /// and how it is delivered, e.g. [`crate::bucket::Bucket::redirect_vars`]).
    pub async fn spawn_for_with_course(frontend: &str, course_vars: &[(&str, &str)]) -> Self {
        Self::start(None, Faults::default(), frontend, course_vars).await
    }

    /// Like [`Platform::spawn`], with the proxies and stores `faults` asks for.
    pub async fn spawn_faulty(access_ttl_secs: Option<&str>, faults: Faults) -> Self {
        Self::start(access_ttl_secs, faults, CLIENT_URL, &[]).await
    }

    /// Like [`Platform::spawn_for`] with what `faults` sets (its auth-service variables and gateway port).
    pub async fn spawn_for_with(frontend: &str, faults: Faults) -> Self {
        Self::start(None, faults, frontend, &[]).await
    }

    /// Everything, for a frontend at `frontend`, with what `faults` asks for and course-service given
    /// `course_vars` on top.
    async fn start(
        access_ttl_secs: Option<&str>,
        faults: Faults,
        frontend: &str,
        course_vars: &[(&str, &str)],
    ) -> Self {
        let redis_proxy = if faults.redis_proxy {
            Some(TcpProxy::in_front_of(&required_env("REDIS_URL"), true).await)
        } else {
            None
        };
        let redis_url = redis_proxy
            .as_ref()
            .map(|proxy| format!("redis://127.0.0.1:{}", proxy.port()));
        // Variables every service gets in place of the test servers' (auth- and course-service too).
        let mut stores: Vec<(&str, &str)> = Vec::new();
        if let Some(url) = &redis_url {
            stores.push(("REDIS_URL", url.as_str()));
        }
        if let Some(uri) = &faults.mongo_uri {
            stores.push(("MONGO_URI", uri.as_str()));
        }
        for (name, value) in &faults.redis {
            stores.push((name.as_str(), value.as_str()));
        }
        let mut auth_overrides: Vec<(&str, &str)> = access_ttl_secs
            .map(|ttl| vec![("ACCESS_TOKEN_TTL_SECS", ttl)])
            .unwrap_or_default();
        auth_overrides.extend_from_slice(&stores);
        auth_overrides.extend(
            faults
                .auth_vars
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let course_overrides = [&stores[..], course_vars].concat();
        let services = Services::spawn_with(&auth_overrides, &course_overrides).await;
        let prefix = services.prefix.as_str().to_owned();
        let internal = services.internal_token.clone();
        let proxy = if faults.course_proxy {
            Some(TcpProxy::in_front_of(&services.course.address, true).await)
        } else {
            None
        };
        let auth = services.auth.address.clone();
        let course = proxy.as_ref().map_or_else(
            || services.course.address.clone(),
            |proxy| format!("http://127.0.0.1:{}", proxy.port()),
        );
        let mut common = vec![
            ("REDIS_PREFIX", prefix.as_str()),
            ("INTERNAL_API_TOKEN", internal.as_str()),
            ("AUTH_SERVICE_URL", auth.as_str()),
            ("COURSE_SERVICE_URL", course.as_str()),
        ];
        common.extend_from_slice(&stores);

        let progress_db = TestDatabase::new();
        let vars = with_overrides(base_vars(&run_id(), true), &common);
        let vars = with_overrides(vars, &[("MONGO_DB", progress_db.name())]);
        let vars = match faults.progress_cache_secs {
            Some(secs) => with_overrides(
                vars,
                &[("COURSE_CACHE_SECS", secs), ("ENROLMENT_CACHE_SECS", secs)],
            ),
            None => vars,
        };
        let settings = progress_service::config::Settings::from_source(&vars)
            .expect("progress-service settings");
        let progress = TestClient::serve(progress_service::startup::build(&settings).await)
            .guarded(progress_db);

        // certificate-service names every credential by a URL of the platform, the gateway's: so the
        // gateway's port is chosen before either starts.
        let gateway_port = faults.gateway_port.unwrap_or_else(closed_port).to_string();
        let public_url = format!("http://127.0.0.1:{gateway_port}");
        let certificate_db = TestDatabase::new();
        let vars = with_overrides(base_vars(&run_id(), true), &common);
        let vars = with_overrides(
            vars,
            &[
                ("MONGO_DB", certificate_db.name()),
                ("PUBLIC_URL", public_url.as_str()),
                ("ISSUER_NAME", "E2E Academy"),
            ],
        );
        let settings = certificate_service::config::Settings::from_source(&vars)
            .expect("certificate-service settings");
        let certificate = TestClient::serve(certificate_service::startup::build(&settings).await)
            .guarded(certificate_db);

        let sim = StripeSim::start(SimConfig {
            secret_key: STRIPE_KEY.to_owned(),
            webhook_secret: WEBHOOK_SECRET.to_owned(),
            ..Default::default()
        })
        .await
        .expect("the Stripe simulator failed to start");
        let payment_db = TestDatabase::new();
        let success_url = SUCCESS_URL.replacen(CLIENT_URL, frontend, 1);
        let cancel_url = format!("{frontend}/payment/cancel");
        let stripe_base = sim.base_url();
        let vars = with_overrides(base_vars(&run_id(), true), &common);
        let vars = with_overrides(
            vars,
            &[
                ("MONGO_DB", payment_db.name()),
                ("STRIPE_API_BASE", stripe_base.as_str()),
                ("STRIPE_SECRET_KEY", STRIPE_KEY),
                ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
                ("STRIPE_SUCCESS_URL", success_url.as_str()),
                ("STRIPE_CANCEL_URL", cancel_url.as_str()),
                ("STRIPE_TIMEOUT_MS", "5000"),
            ],
        );
        let settings = payment_service::config::Settings::from_source(&vars)
            .expect("payment-service settings");
        let payment =
            TestClient::serve(payment_service::startup::build(&settings).await).guarded(payment_db);
        let payment_settings = settings;
        let payment_proxy = if faults.payment_proxy {
            Some(TcpProxy::in_front_of(&payment.address, true).await)
        } else {
            None
        };
        let payment_url = payment_proxy.as_ref().map_or_else(
            || payment.address.clone(),
            |proxy| format!("http://127.0.0.1:{}", proxy.port()),
        );

        let vars = with_overrides(base_vars(&run_id(), false), &common);
        let vars = with_overrides(
            vars,
            &[
                ("PROGRESS_SERVICE_URL", progress.address.as_str()),
                ("PAYMENT_SERVICE_URL", payment_url.as_str()),
                ("CERTIFICATE_SERVICE_URL", certificate.address.as_str()),
                ("PORT", gateway_port.as_str()),
                ("CLIENT_URL", frontend),
                // Expired means expired: the short-lived cookie must be refreshed, not tolerated.
                ("JWT_LEEWAY_SECS", "0"),
                // The journey is one client's; the limiter is tested in the gateway's own suite.
                ("RATE_LIMIT_MAX", "10000"),
                ("AUTH_RATE_LIMIT_MAX", "10000"),
            ],
        );
        let settings = gateway::config::Settings::from_source(&vars).expect("gateway settings");
        let gateway = TestClient::serve(gateway::startup::build(&settings).await);
        // Stripe calls the public webhook URL: the gateway's.
        sim.set_webhook_url(Some(gateway.url("/api/v1/payments/webhook")));
        Self {
            gateway,
            sim,
            course_proxy: proxy,
            redis_proxy,
            payment_proxy,
            progress,
            payment,
            certificate,
            payment_settings,
            stopped: Vec::new(),
            services,
        }
    }

    /// Every service behind the gateway by name, with its base URL (for `/readyz`).
    pub fn services(&self) -> [(&'static str, &str); 5] {
        [
            ("auth-service", self.services.auth.address.as_str()),
            ("course-service", self.services.course.address.as_str()),
            ("progress-service", self.progress.address.as_str()),
            ("payment-service", self.payment.address.as_str()),
            ("certificate-service", self.certificate.address.as_str()),
        ]
    }

    /// Whether course-service has `user_id` enrolled in `course_id`, asked on its internal route: the one
    /// look past the gateway, for a moment when the gateway itself refuses to authenticate anyone.
    pub async fn enrolled_at_course_service(&self, user_id: &str, course_id: &str) -> bool {
        self.services.course.is_enrolled(user_id, course_id).await
    }

    /// Stops payment-service as a crash would ([`TestClient::stop`]); returns once its port refuses.
    pub async fn stop_payment(&self) {
        self.payment.stop().await;
    }

    /// Starts a new payment-service on the same database and settings (a new port) and points the
    /// payment proxy at it, as a restarted replica behind a load balancer.
    pub async fn start_payment(&mut self) {
        let next = TestClient::serve(payment_service::startup::build(&self.payment_settings).await);
        if let Some(proxy) = &self.payment_proxy {
            proxy.set_target(next.address.trim_start_matches("http://"));
        }
        let old = std::mem::replace(&mut self.payment, next);
        self.stopped.push(old);
    }

    /// Each service's own OpenAPI document (`GET /openapi.json` on the service, where the gateway collects
    /// them), in the order the gateway merges them (`gateway::routing::Upstream::ALL`).
    pub fn service_document_urls(&self) -> [(&'static str, String); 5] {
        [
            ("auth", self.services.auth.url("/openapi.json")),
            ("course", self.services.course.url("/openapi.json")),
            ("progress", self.progress.url("/openapi.json")),
            ("payment", self.payment.url("/openapi.json")),
            ("certificate", self.certificate.url("/openapi.json")),
        ]
    }

    /// `{gateway}/api/v1{path}`.
    pub fn url(&self, path: &str) -> String {
        self.gateway.url(&format!("/api/v1{path}"))
    }

    /// `{gateway}{path}` for a path the API hands out whole (media URLs).
    pub fn raw_url(&self, path: &str) -> String {
        self.gateway.url(path)
    }

    /// Signs up through the gateway with `client` (a cookie jar keeps the cookies); returns the body.
    pub async fn sign_up(&self, client: &Client, name: &str, email: &str, role: &str) -> Value {
        let res = client
            .post(self.url("/user/signup"))
            .json(&json!({ "name": name, "email": email, "password": PASSWORD, "role": role }))
            .send()
            .await
            .expect("sign-up request failed");
        json_of(res, 201).await
    }

    /// Signs `email` in with `client`; returns the response (the status is the caller's to check).
    pub async fn sign_in(&self, client: &Client, email: &str) -> Response {
        client
            .post(self.url("/user/signin"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("sign-in request failed")
    }

    /// The configured admin signed in with `client` (cookies) ; returns the body (its `token`).
    pub async fn admin(&self, client: &Client) -> Value {
        json_of(self.sign_in(client, ADMIN_EMAIL).await, 200).await
    }
}

/// A unique e-mail address.
pub fn email(label: &str) -> String {
    format!("{label}-{}@example.com", &run_id()[..12])
}

/// Sends `req`.
pub async fn send(req: RequestBuilder) -> Response {
    req.send().await.expect("request failed")
}

/// Reads a response that must have `status`, returning its JSON body.
pub async fn json_of(res: Response, status: u16) -> Value {
    let actual = res.status();
    let url = res.url().path().to_owned();
    let body: Value = res.json().await.expect("the answer is not JSON");
    assert_eq!(actual, status, "{url}: unexpected status; body: {body}");
    body
}

/// The names of the cookies a response sets.
pub fn set_cookie_names(res: &Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split('=').next().map(str::to_owned))
        .collect()
}

/// A string field of `value`, failing the test with the whole value when it is missing.
pub fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_owned()
}
