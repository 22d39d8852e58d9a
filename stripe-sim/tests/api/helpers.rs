//! Shared test set-up: a simulator per test, an async-stripe client pointed at it, and a real webhook
//! receiver that records what it gets and answers with scripted statuses.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ProductData,
};
use stripe_checkout::{CheckoutSession, CheckoutSessionMode};
use stripe_sim::{RetryPolicy, SimConfig, StripeSim};

pub const SECRET_KEY: &str = "sk_test_helpers_0123456789";
pub const WEBHOOK_SECRET: &str = "whsec_helpers_secret";

/// A fresh simulator on a free port with fast retries.
pub async fn spawn_sim() -> StripeSim {
    StripeSim::start(SimConfig {
        secret_key: SECRET_KEY.to_owned(),
        webhook_secret: WEBHOOK_SECRET.to_owned(),
        retry: RetryPolicy {
            first_delay: Duration::from_millis(50),
            max_attempts: 5,
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// async-stripe's client, as payment-service builds it, pointed at the simulator.
pub fn stripe_client(sim: &StripeSim) -> stripe::Client {
    stripe::ClientBuilder::new(SECRET_KEY)
        .url(sim.base_url())
        .build()
        .expect("client builds")
}

/// A plain HTTP client that does not follow redirects (to see the 303s).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// Posts the checkout page's form with `action`, as a browser does.
pub async fn post_action(url: &str, action: &str) -> reqwest::Response {
    http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("action={action}"))
        .send()
        .await
        .unwrap()
}

/// The create request payment-service sends: one course, price_data in cents, metadata, URLs.
pub fn course_session(title: &str, cents: i64) -> CreateCheckoutSession {
    let mut price = CreateCheckoutSessionLineItemsPriceData::new(stripe_types::Currency::USD);
    price.unit_amount = Some(cents);
    price.product_data = Some(ProductData::new(title));
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price_data = Some(price);
    item.quantity = Some(1);
    CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(vec![item])
        .success_url("http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}")
        .cancel_url("http://localhost:5173/courses/c1?cancelled=1")
        .client_reference_id("user-1")
        .metadata([
            ("courseId".to_owned(), "course-1".to_owned()),
            ("userId".to_owned(), "user-1".to_owned()),
            ("purchaseId".to_owned(), "purchase-1".to_owned()),
        ])
}

/// Creates a session through async-stripe and returns the typed object.
pub async fn create_session(sim: &StripeSim, title: &str, cents: i64) -> CheckoutSession {
    course_session(title, cents)
        .send(&stripe_client(sim))
        .await
        .expect("session is created")
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub signature: String,
    pub body: String,
}

/// A real HTTP endpoint for webhooks: records each request, answers the next scripted status (then 200).
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let (rec, scr) = (Arc::clone(&received), Arc::clone(&script));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let (rec, scr) = (Arc::clone(&rec), Arc::clone(&scr));
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (rec, scr) = (Arc::clone(&rec), Arc::clone(&scr));
                async move {
                    let signature = req
                        .headers()
                        .get("stripe-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    rec.lock().unwrap().push(Received {
                        signature,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = scr.lock().unwrap().pop_front().unwrap_or(200);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/webhook"),
            received,
            handle,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (at most 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} webhook requests, got {}",
            self.received().len()
        );
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The types of the simulator's events, in order.
pub fn event_types(sim: &StripeSim) -> Vec<String> {
    sim.events()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

/// Posts a form to `/v1/{path}` with the secret key; returns the status and the JSON body.
pub async fn post_api(sim: &StripeSim, path: &str, form: &str) -> (u16, serde_json::Value) {
    let response = http()
        .post(format!("{}v1/{path}", sim.base_url()))
        .bearer_auth(SECRET_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Creates a coupon (async-stripe's coupon crate is not built here, so over plain HTTP).
pub async fn create_coupon(sim: &StripeSim, form: &str) -> serde_json::Value {
    let (status, body) = post_api(sim, "coupons", form).await;
    assert_eq!(status, 200, "{body}");
    body
}
