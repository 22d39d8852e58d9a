//! Delivery to a real receiver: automatic with retries on non-2xx, manual (twice, late, never), and the
//! HTTP test controls under `/_sim`.

use std::time::Duration;

use serde_json::Value;
use stripe_sim::Delivery;
use stripe_webhook::{Webhook, WebhookError};

use crate::helpers::{Receiver, WEBHOOK_SECRET, create_session, http, spawn_sim};

#[tokio::test]
async fn a_payment_is_delivered_signed_to_the_webhook_url_at_once() {
    let receiver = Receiver::start(&[]).await;
    let sim = spawn_sim().await;
    sim.set_webhook_url(Some(receiver.url.clone()));
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay(session.id.as_str()).await.unwrap();

    let got = receiver.wait_for(1).await;
    let event = Webhook::construct_event(&got[0].body, &got[0].signature, WEBHOOK_SECRET).unwrap();
    assert_eq!(event.type_.as_str(), "checkout.session.completed");
    let id = event.id.as_str().to_owned();
    assert_eq!(sim.delivery_attempts(&id), [Some(200)]);
}

#[tokio::test]
async fn a_non_2xx_answer_is_retried_with_backoff_until_accepted() {
    let receiver = Receiver::start(&[500, 503]).await;
    let sim = spawn_sim().await;
    sim.set_webhook_url(Some(receiver.url.clone()));
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay(session.id.as_str()).await.unwrap();

    let got = receiver.wait_for(3).await;
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "every retry sends the same event"
    );
    for r in &got {
        Webhook::construct_event(&r.body, &r.signature, WEBHOOK_SECRET).unwrap();
    }
    let id = sim.events()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        sim.delivery_attempts(&id),
        [Some(500), Some(503), Some(200)]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        3,
        "an accepted event is not sent again"
    );
}

#[tokio::test]
async fn events_in_order_are_delivered_in_order() {
    let receiver = Receiver::start(&[]).await;
    let sim = spawn_sim().await;
    sim.set_webhook_url(Some(receiver.url.clone()));
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay_async(session.id.as_str(), true).await.unwrap();
    let got = receiver.wait_for(2).await;
    let types: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        [
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded"
        ]
    );
}

#[tokio::test]
async fn manual_delivery_records_only_and_sends_when_told_twice_or_late() {
    let receiver = Receiver::start(&[]).await;
    let sim = spawn_sim().await;
    sim.set_webhook_url(Some(receiver.url.clone()));
    sim.set_delivery(Delivery::Manual);
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay(session.id.as_str()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        receiver.received().is_empty(),
        "manual mode sends nothing by itself"
    );

    let id = sim.events()[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.deliver(&id).await.unwrap(), 200);
    assert_eq!(sim.deliver(&id).await.unwrap(), 200);
    let late = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 301;
    assert_eq!(sim.deliver_at(&id, late).await.unwrap(), 200);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].body, got[1].body, "a duplicate is byte-identical");
    assert!(Webhook::construct_event(&got[1].body, &got[1].signature, WEBHOOK_SECRET).is_ok());
    assert!(matches!(
        Webhook::construct_event(&got[2].body, &got[2].signature, WEBHOOK_SECRET),
        Err(WebhookError::BadTimestamp(_))
    ));
    assert_eq!(sim.delivery_attempts(&id).len(), 3);
}

#[tokio::test]
async fn deliver_reports_an_unreachable_endpoint_as_an_error() {
    let sim = spawn_sim().await;
    sim.set_delivery(Delivery::Manual);
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay(session.id.as_str()).await.unwrap();
    let id = sim.events()[0]["id"].as_str().unwrap().to_owned();
    assert!(sim.deliver(&id).await.is_err(), "no webhook URL configured");
    // A port nothing listens on: bind one, learn its number, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sim.set_webhook_url(Some(format!("http://127.0.0.1:{port}/webhook")));
    assert!(sim.deliver(&id).await.is_err());
    assert_eq!(sim.delivery_attempts(&id), [None]);
    assert!(sim.deliver("evt_unknown").await.is_err());
}

#[tokio::test]
async fn the_http_controls_pay_list_and_deliver() {
    let receiver = Receiver::start(&[]).await;
    let sim = spawn_sim().await;
    let base = sim.base_url();
    let client = http();
    let mode: Value = client
        .post(format!("{base}_sim/delivery?mode=manual"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mode["mode"], "manual");
    let url = format!("{base}_sim/webhook?url={}", receiver.url);
    assert_eq!(client.post(url).send().await.unwrap().status(), 200);

    let session = create_session(&sim, "Rust", 1999).await;
    let paid = client
        .post(format!("{base}_sim/sessions/{}/pay", session.id))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    assert_eq!(
        paid.json::<Value>().await.unwrap()["payment_status"],
        "paid"
    );
    let twice = client
        .post(format!("{base}_sim/sessions/{}/pay", session.id))
        .send()
        .await
        .unwrap();
    assert_eq!(
        twice.status(),
        400,
        "a completed session cannot be paid again"
    );

    let events: Value = client
        .get(format!("{base}_sim/events"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = events[0]["id"].as_str().unwrap();
    assert_eq!(events[0]["type"], "checkout.session.completed");
    let delivered: Value = client
        .post(format!("{base}_sim/events/{id}/deliver"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(delivered["status"], 200);
    assert_eq!(receiver.received().len(), 1);

    let stats: Value = client
        .get(format!("{base}_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["sessionsCreated"], 1);
    let missing = client
        .post(format!("{base}_sim/events/evt_nope/deliver"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn many_events_can_be_delivered_concurrently_in_any_order() {
    let receiver = Receiver::start(&[]).await;
    let sim = std::sync::Arc::new(spawn_sim().await);
    sim.set_webhook_url(Some(receiver.url.clone()));
    sim.set_delivery(Delivery::Manual);
    for i in 0..10 {
        let session = create_session(&sim, &format!("Course {i}"), 100 + i).await;
        sim.pay(session.id.as_str()).await.unwrap();
    }
    let mut ids: Vec<String> = sim
        .events()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    ids.reverse();
    let sends = ids.iter().chain(ids.iter()).map(|id| {
        let (sim, id) = (std::sync::Arc::clone(&sim), id.clone());
        tokio::spawn(async move { sim.deliver(&id).await.unwrap() })
    });
    for status in futures_util::future::join_all(sends).await {
        assert_eq!(status.unwrap(), 200);
    }
    let got = receiver.received();
    assert_eq!(got.len(), 20);
    for r in &got {
        Webhook::construct_event(&r.body, &r.signature, WEBHOOK_SECRET).unwrap();
    }
}

#[tokio::test]
async fn the_deliver_control_signs_with_a_given_timestamp_for_a_late_delivery() {
    let receiver = Receiver::start(&[]).await;
    let sim = spawn_sim().await;
    sim.set_webhook_url(Some(receiver.url.clone()));
    sim.set_delivery(Delivery::Manual);
    let session = create_session(&sim, "Rust", 1999).await;
    sim.pay(session.id.as_str()).await.unwrap();
    let id = sim.events()[0]["id"].as_str().unwrap().to_owned();
    let url = format!("{}_sim/events/{id}/deliver?timestamp=1000", sim.base_url());
    let answer: Value = http().post(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(answer["status"], 200);
    let got = receiver.received();
    assert!(got[0].signature.starts_with("t=1000,v1="));
    assert!(matches!(
        Webhook::construct_event(&got[0].body, &got[0].signature, WEBHOOK_SECRET),
        Err(WebhookError::BadTimestamp(1000))
    ));
}
