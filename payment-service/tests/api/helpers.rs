//! Test harness: a real payment-service on port 0 beside a real auth-service and course-service (from
//! `test-support`), all sharing one Redis prefix and internal token, with a fresh database each, and one
//! method per payment route.

use payment_service::config::Settings;
use payment_service::startup;
use payment_service::store::Store;
use reqwest::Response;
use serde_json::{Value, json};
use test_support::{
    EVENT_TIMEOUT, Services, TestClient, TestDatabase, User, base_vars, closed_port, course_fields,
    eventually, form, png, run_id, with_overrides,
};

/// The webhook signing secret every test app is configured with.
pub const WEBHOOK_SECRET: &str = "whsec_test_payments";
/// The Stripe secret key every test app is configured with.
pub const SECRET_KEY: &str = "sk_test_payments";
pub const SUCCESS_URL: &str =
    "http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}";
pub const CANCEL_URL: &str = "http://localhost:5173/payment/cancel";

/// payment-service and the services it calls.
pub struct TestApp {
    pub services: Services,
    pub app: TestClient,
    /// payment-service's own database, read directly by tests.
    pub store: Store,
}

impl TestApp {
    /// payment-service whose Stripe API is a closed port: any Stripe call fails.
    pub async fn spawn_without_stripe() -> Self {
        let base = format!("http://127.0.0.1:{}", closed_port());
        Self::spawn(&base, &[]).await
    }

    /// payment-service with its Stripe API at `stripe_base` and `overrides` applied last.
    pub async fn spawn(stripe_base: &str, overrides: &[(&str, &str)]) -> Self {
        let services = Services::spawn().await;
        Self::spawn_beside(services, stripe_base, overrides).await
    }

    /// payment-service next to already running services.
    pub async fn spawn_beside(
        services: Services,
        stripe_base: &str,
        overrides: &[(&str, &str)],
    ) -> Self {
        let db = TestDatabase::new();
        let mut vars = base_vars(&run_id(), true);
        vars.extend(
            [
                ("MONGO_DB", db.name()),
                ("REDIS_PREFIX", services.prefix.as_str()),
                ("INTERNAL_API_TOKEN", services.internal_token.as_str()),
                ("AUTH_SERVICE_URL", services.auth.address.as_str()),
                ("COURSE_SERVICE_URL", services.course.address.as_str()),
                ("STRIPE_API_BASE", stripe_base),
                ("STRIPE_SECRET_KEY", SECRET_KEY),
                ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
                ("STRIPE_SUCCESS_URL", SUCCESS_URL),
                ("STRIPE_CANCEL_URL", CANCEL_URL),
                ("STRIPE_TIMEOUT_MS", "5000"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let vars = with_overrides(vars, overrides);
        let settings = Settings::from_source(&vars).expect("payment-service test settings");
        let store = Store::new(db.handle().await);
        let app = TestClient::serve(startup::build(&settings).await).guarded(db);
        // The indexes are created in the background; tests that rely on them wait here.
        eventually(EVENT_TIMEOUT, "purchases indexes", async || {
            store
                .purchases
                .index_names()
                .await
                .ok()
                .filter(|n| n.len() > 2)
                .map(drop)
        })
        .await;
        Self {
            services,
            app,
            store,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// `POST /api/v1/payments/create-checkout-session` as `token` (none: anonymous).
    pub async fn checkout(&self, token: Option<&str>, course_id: &str) -> Response {
        let mut req = self
            .app
            .client
            .post(self.url("/api/v1/payments/create-checkout-session"))
            .json(&json!({ "courseId": course_id }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("checkout request failed")
    }

    /// `POST /api/v1/payments/webhook` with `body` and `signature`.
    pub async fn webhook(&self, body: &[u8], signature: Option<&str>) -> Response {
        let mut req = self
            .app
            .client
            .post(self.url("/api/v1/payments/webhook"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            req = req.header("stripe-signature", signature);
        }
        req.send().await.expect("webhook request failed")
    }

    /// `GET {path}` as `token`.
    pub async fn get(&self, token: Option<&str>, path: &str) -> Response {
        let mut req = self.app.client.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("request failed")
    }

    /// `POST /api/v1/payments/purchases/{id}/refund` as `token` with `body`.
    pub async fn refund(&self, token: Option<&str>, purchase_id: &str, body: Value) -> Response {
        let mut req = self
            .app
            .client
            .post(self.url(&format!("/api/v1/payments/purchases/{purchase_id}/refund")))
            .json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("refund request failed")
    }

    /// A new instructor's published course priced `price` (USD text) with one lecture.
    pub async fn course_priced(&self, price: &str) -> (User, String) {
        let owner = self.services.sign_up("instructor").await;
        let mut fields = course_fields(&format!("Course {}", &run_id()[..8]));
        for (name, value) in &mut fields {
            if *name == "price" {
                *value = price.to_owned();
            }
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = reqwest::Client::new()
            .post(self.services.course.url("/api/v1/courses"))
            .bearer_auth(&owner.token)
            .multipart(form(&fields, Some(("thumbnail", "thumb.png", png()))))
            .send()
            .await
            .expect("create course request failed");
        assert_eq!(res.status(), 201, "create a course priced {price}");
        let body: Value = res.json().await.expect("course JSON");
        let id = body["course"]["_id"]
            .as_str()
            .expect("course id")
            .to_owned();
        self.services
            .course
            .add_lecture(&owner.token, &id, "Intro", 1, false)
            .await;
        let published = self.services.course.publish(&owner.token, &id, true).await;
        assert_eq!(published.status(), 200, "publish");
        (owner, id)
    }

    /// Waits until course-service lists `user` in the course and auth-service has it in `enrolledCourses`.
    pub async fn wait_enrolled_everywhere(&self, user: &User, course_id: &str) {
        eventually(EVENT_TIMEOUT, "course-service enrolment", async || {
            self.services
                .course
                .is_enrolled(&user.id, course_id)
                .await
                .then_some(())
        })
        .await;
        eventually(EVENT_TIMEOUT, "auth-service enrolledCourses", async || {
            self.enrolled_courses(user)
                .await
                .contains(&course_id.to_owned())
                .then_some(())
        })
        .await;
    }

    /// Waits until course-service no longer lists `user` in the course.
    pub async fn wait_unenrolled(&self, user: &User, course_id: &str) {
        eventually(EVENT_TIMEOUT, "enrolment ended", async || {
            (!self.services.course.is_enrolled(&user.id, course_id).await).then_some(())
        })
        .await;
        eventually(
            EVENT_TIMEOUT,
            "auth-service enrolledCourses without it",
            async || {
                (!self
                    .enrolled_courses(user)
                    .await
                    .contains(&course_id.to_owned()))
                .then_some(())
            },
        )
        .await;
    }

    /// The course ids in the user's `enrolledCourses` (auth-service).
    pub async fn enrolled_courses(&self, user: &User) -> Vec<String> {
        let me: Value = reqwest::Client::new()
            .get(self.services.auth.url("/api/v1/auth/me"))
            .bearer_auth(&user.token)
            .send()
            .await
            .expect("me request failed")
            .json()
            .await
            .expect("me JSON");
        me["user"]["enrolledCourses"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| e["course"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The status and JSON body of an answer.
pub async fn status_and_body(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.expect("the answer is not JSON"))
}

/// A payment-service whose Stripe is a running simulator that delivers to its webhook.
pub struct SimApp {
    pub t: TestApp,
    pub sim: stripe_sim::StripeSim,
}

impl std::ops::Deref for SimApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.t
    }
}

impl SimApp {
    /// The simulator and payment-service pointed at each other. Delivery is `Unordered` (at least once,
    /// shuffled, about half the events twice): what Stripe promises, so no test may lean on an order.
    pub async fn spawn(overrides: &[(&str, &str)]) -> Self {
        let sim = stripe_sim::StripeSim::start(stripe_sim::SimConfig {
            secret_key: SECRET_KEY.to_owned(),
            webhook_secret: WEBHOOK_SECRET.to_owned(),
            delivery: stripe_sim::Delivery::Unordered,
            ..Default::default()
        })
        .await
        .expect("the Stripe simulator failed to start");
        let t = TestApp::spawn(&sim.base_url(), overrides).await;
        sim.set_webhook_url(Some(t.url("/api/v1/payments/webhook")));
        Self { t, sim }
    }

    /// Starts a checkout as `user`; returns the session id and the recorded purchase id.
    pub async fn start_checkout(&self, user: &User, course_id: &str) -> (String, String) {
        let res = self.checkout(Some(&user.token), course_id).await;
        let (status, body) = status_and_body(res).await;
        assert_eq!(status, 201, "checkout: {body}");
        let session = &body["data"]["session"];
        (
            session["id"].as_str().expect("session id").to_owned(),
            session["metadata"]["purchaseId"]
                .as_str()
                .expect("purchase id")
                .to_owned(),
        )
    }

    /// Waits until the purchase reaches `status`.
    pub async fn wait_status(
        &self,
        purchase_id: &str,
        status: payment_service::domain::PurchaseStatus,
    ) {
        eventually(EVENT_TIMEOUT, &format!("purchase {status}"), async || {
            let p = self.store.purchases.find_by_id(purchase_id).await.ok()??;
            (p.status == status).then_some(())
        })
        .await;
    }
}
