//! The storm: 100 purchases whose events (completions, delayed payments, expiries, refunds) are delivered
//! 1,000 times in shuffled order, several at once. Every purchase must end in the state its events imply,
//! every paying student be enrolled exactly once (course-service and auth-service), and none be lost.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use futures_util::StreamExt;
use payment_service::domain::PurchaseStatus as S;
use serde_json::json;
use stripe_sim::Delivery;
use test_support::{EVENT_TIMEOUT, User, eventually};

use crate::helpers::{SimApp, status_and_body};

const COURSES: usize = 10;
const STUDENTS: usize = 10;
const DELIVERIES: usize = 1000;
/// Deliveries in flight at once (`STORM_CONCURRENCY` overrides it to measure). SecantusDB (pure Python)
/// serves all three services here; see docs/payments.md for what was measured at each level.
const CONCURRENCY: usize = 16;

fn concurrency() -> usize {
    std::env::var("STORM_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CONCURRENCY)
}

/// What happens to the purchase with index `i` of 100.
fn fate(i: usize) -> (&'static str, S) {
    match i % 20 {
        0..=7 => ("paid", S::Completed),
        8..=11 => ("paid, then refunded", S::Refunded),
        12..=15 => ("expired", S::Expired),
        16 | 17 => ("delayed, paid", S::Completed),
        18 => ("delayed, failed", S::Failed),
        _ => ("left open", S::Pending),
    }
}

fn random_below(n: usize) -> usize {
    (uuid::Uuid::new_v4().as_u128() % n as u128) as usize
}

#[tokio::test]
async fn a_thousand_shuffled_duplicated_deliveries_end_every_purchase_in_the_state_its_events_imply()
 {
    let t = SimApp::spawn(&[]).await;
    t.sim.set_delivery(Delivery::Manual);
    let admin = t.services.admin().await;
    let mut courses: Vec<(User, String)> = Vec::new();
    for _ in 0..COURSES {
        courses.push(t.course_priced("19.99").await);
    }
    let mut students = Vec::new();
    for _ in 0..STUDENTS {
        students.push(t.services.sign_up("student").await);
    }

    // 100 checkouts (student s buys course c), four at a time.
    let pairs: Vec<(usize, usize)> = (0..STUDENTS)
        .flat_map(|s| (0..COURSES).map(move |c| (s, c)))
        .collect();
    let started: Vec<(usize, usize, String, String)> = futures_util::stream::iter(pairs)
        .map(|(s, c)| {
            let (t, students, courses) = (&t, &students, &courses);
            async move {
                let (session, purchase) = t.start_checkout(&students[s], &courses[c].1).await;
                (s, c, session, purchase)
            }
        })
        .buffered(4)
        .collect()
        .await;
    assert_eq!(started.len(), 100);

    for (i, (_, _, session, _)) in started.iter().enumerate() {
        match fate(i).0 {
            "paid" | "paid, then refunded" => t.sim.pay(session).await.unwrap(),
            "expired" => t.sim.expire(session).await.unwrap(),
            "delayed, paid" => t.sim.pay_async(session, true).await.unwrap(),
            "delayed, failed" => t.sim.pay_async(session, false).await.unwrap(),
            _ => {}
        }
    }
    // A refund needs a completed purchase: deliver those completions once, then refund through the admin
    // route, which makes Stripe (the simulator) record each `charge.refunded`.
    let events_of = |session: &str| -> Vec<String> {
        t.sim
            .events()
            .iter()
            .filter(|e| e["data"]["object"]["id"] == session)
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (i, (_, _, session, purchase)) in started.iter().enumerate() {
        if fate(i).1 == S::Refunded {
            for id in events_of(session) {
                assert_eq!(t.sim.deliver(&id).await.unwrap(), 200);
            }
            t.wait_status(purchase, S::Completed).await;
            let (status, body) =
                status_and_body(t.refund(Some(&admin.token), purchase, json!({})).await).await;
            assert_eq!(status, 200, "refund: {body}");
        }
    }

    // The storm: every event at least once, the rest duplicates, all shuffled.
    let ids: Vec<String> = t
        .sim
        .events()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let kinds: HashMap<String, usize> = t.sim.events().iter().fold(HashMap::new(), |mut m, e| {
        *m.entry(e["type"].as_str().unwrap().to_owned()).or_default() += 1;
        m
    });
    eprintln!("storm: {} distinct events {kinds:?}", ids.len());
    let mut deliveries: Vec<&String> = ids.iter().collect();
    while deliveries.len() < DELIVERIES {
        deliveries.push(&ids[random_below(ids.len())]);
    }
    let mut keyed: Vec<(u128, &String)> = deliveries
        .into_iter()
        .map(|id| (uuid::Uuid::new_v4().as_u128(), id))
        .collect();
    keyed.sort_unstable_by_key(|(k, _)| *k);

    let started_at = Instant::now();
    let statuses: Vec<(String, u16)> = futures_util::stream::iter(keyed)
        .map(|(_, id)| {
            let t = &t;
            async move { (id.clone(), t.sim.deliver(id).await.unwrap_or(0)) }
        })
        .buffer_unordered(concurrency())
        .collect()
        .await;
    let elapsed = started_at.elapsed();
    let failed: Vec<&String> = statuses
        .iter()
        .filter(|(_, s)| *s != 200)
        .map(|(id, _)| id)
        .collect();
    eprintln!(
        "storm: {DELIVERIES} deliveries, {} at once, in {:.1} s ({:.0}/s), {} not 2xx",
        concurrency(),
        elapsed.as_secs_f64(),
        DELIVERIES as f64 / elapsed.as_secs_f64(),
        failed.len()
    );
    // Stripe retries what was not acknowledged; so do we, until every event is.
    for id in failed {
        eventually(EVENT_TIMEOUT, "a retried delivery", async || {
            (t.sim.deliver(id).await.ok()? == 200).then_some(())
        })
        .await;
    }

    // Every purchase is where its events lead, and none is lost.
    let (all, total) = t
        .store
        .purchases
        .list(&Default::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(total, 100, "no purchase lost or added");
    let by_id: HashMap<&str, S> = all.iter().map(|p| (p.id.as_str(), p.status)).collect();
    for (i, (_, _, _, purchase)) in started.iter().enumerate() {
        let (what, expected) = fate(i);
        assert_eq!(by_id[purchase.as_str()], expected, "purchase {i} ({what})");
    }

    // Every paying student enrolled exactly once, and nobody else.
    let expected: HashSet<(usize, usize)> = started
        .iter()
        .enumerate()
        .filter(|(i, _)| fate(*i).1 == S::Completed)
        .map(|(_, (s, c, _, _))| (*s, *c))
        .collect();
    for (c, (owner, course_id)) in courses.iter().enumerate() {
        let want = (0..STUDENTS)
            .filter(|s| expected.contains(&(*s, c)))
            .count();
        eventually(EVENT_TIMEOUT, "course-service's student list", async || {
            let (_, body) = status_and_body(
                reqwest::Client::new()
                    .get(
                        t.services
                            .course
                            .url(&format!("/api/v1/courses/{course_id}/students?limit=100")),
                    )
                    .bearer_auth(&owner.token)
                    .send()
                    .await
                    .ok()?,
            )
            .await;
            (body["pagination"]["total"] == json!(want)).then_some(())
        })
        .await;
    }
    for (s, student) in students.iter().enumerate() {
        let want: HashSet<String> = (0..COURSES)
            .filter(|c| expected.contains(&(s, *c)))
            .map(|c| courses[c].1.clone())
            .collect();
        let got = eventually(
            EVENT_TIMEOUT,
            "auth-service's enrolledCourses",
            async || {
                let got = t.enrolled_courses(student).await;
                (got.iter().cloned().collect::<HashSet<_>>() == want).then_some(got)
            },
        )
        .await;
        assert_eq!(
            got.len(),
            want.len(),
            "student {s}: each course listed once"
        );
        for (c, (_, course_id)) in courses.iter().enumerate() {
            let enrolled = t.services.course.is_enrolled(&student.id, course_id).await;
            assert_eq!(
                enrolled,
                expected.contains(&(s, c)),
                "student {s}, course {c}"
            );
        }
    }
    let processed = t.store.stripe_events.count().await.unwrap();
    assert_eq!(processed as usize, ids.len(), "each event processed once");
}
