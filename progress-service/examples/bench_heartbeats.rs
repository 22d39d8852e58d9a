//! `scripts/bench progress`: player heartbeats per second and their p50/p99 latency with N concurrent
//! simulated viewers, in one run against the same database: (a) raw driver upserts of the same update the
//! service makes, (b) `PATCH /api/v1/progress/{courseId}/lectures/{lectureId}` on progress-service
//! directly, (c) the same through the gateway. Sets itself up through the real services: an instructor
//! publishes a one-hour lecture, N students are enrolled by `purchase.completed` events.
//!
//! Usage: bench_heartbeats GATEWAY PROGRESS AUTH COURSE MONGO_URI PROGRESS_DB REDIS_URL PREFIX [N] [M]
//! (N viewers, default 8; M heartbeats each per case, default 50).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark tool: any failure ends the run loudly"
)]

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use mongodb::bson::{Document, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use serde_json::{Value, json};
use shared::events::{EventEnvelope, PURCHASE_COMPLETED, Publisher, PurchaseCompleted};
use test_support::{course_fields, form, mp4, png};

/// The lecture every viewer watches: one hour.
const LECTURE_SECS: f64 = 3600.0;

struct Args {
    gateway: String,
    progress: String,
    auth: String,
    course: String,
    mongo_uri: String,
    db: String,
    redis_url: String,
    prefix: String,
    viewers: usize,
    beats: usize,
}

fn args() -> Args {
    let a: Vec<String> = std::env::args().skip(1).collect();
    assert!(
        a.len() >= 8,
        "usage: bench_heartbeats GATEWAY PROGRESS AUTH COURSE MONGO_URI PROGRESS_DB REDIS_URL PREFIX [N] [M]"
    );
    Args {
        gateway: a[0].clone(),
        progress: a[1].clone(),
        auth: a[2].clone(),
        course: a[3].clone(),
        mongo_uri: a[4].clone(),
        db: a[5].clone(),
        redis_url: a[6].clone(),
        prefix: a[7].clone(),
        viewers: a.get(8).map_or(8, |n| n.parse().unwrap()),
        beats: a.get(9).map_or(50, |n| n.parse().unwrap()),
    }
}

/// The `k`th heartbeat of a viewer: five seconds watched, position at their end.
fn segment(k: usize) -> (u64, u64) {
    let from = (k as u64 * 5) % 3590;
    (from, from + 5)
}

async fn sign_up(http: &reqwest::Client, auth: &str, role: &str, i: usize) -> (String, String) {
    let body: Value = http
        .post(format!("{auth}/api/v1/user/signup"))
        .json(&json!({
            "name": format!("Bench {role} {i}"),
            "email": format!("bench-{role}-{i}-{}@example.com", ObjectId::new()),
            "password": "bench-passw0rd",
            "role": role,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = body["user"]["_id"]
        .as_str()
        .expect("sign-up answer")
        .to_owned();
    (id, body["token"].as_str().unwrap().to_owned())
}

/// An instructor's published course with one hour-long lecture: (course id, lecture id).
async fn publish_course(http: &reqwest::Client, a: &Args) -> (String, String) {
    let (_, token) = sign_up(http, &a.auth, "instructor", 0).await;
    let fields = course_fields("Heartbeat bench");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let course: Value = http
        .post(format!("{}/api/v1/courses", a.course))
        .bearer_auth(&token)
        .multipart(form(&fields, Some(("thumbnail", "t.png", png()))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let course_id = course["course"]["_id"].as_str().expect("course").to_owned();
    let lecture: Value = http
        .post(format!("{}/api/v1/courses/{course_id}/lectures", a.course))
        .bearer_auth(&token)
        .multipart(form(
            &[("title", "The long one"), ("order", "1")],
            Some(("video", "v.mp4", mp4(LECTURE_SECS, 1024))),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lecture_id = lecture["lecture"]["_id"]
        .as_str()
        .expect("lecture")
        .to_owned();
    let published = http
        .patch(format!("{}/api/v1/courses/{course_id}/publish", a.course))
        .bearer_auth(&token)
        .json(&json!({ "publish": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200, "publish");
    (course_id, lecture_id)
}

/// p50, p99 (ms) and operations per second of one case.
struct Figures {
    p50: f64,
    p99: f64,
    per_sec: f64,
}

fn figures(mut ms: Vec<f64>, wall: Duration) -> Figures {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((p / 100.0) * (ms.len() - 1) as f64).round() as usize];
    Figures {
        p50: pct(50.0),
        p99: pct(99.0),
        per_sec: ms.len() as f64 / wall.as_secs_f64(),
    }
}

/// N viewers in parallel, each sending M heartbeats one after another; latencies in ms.
async fn http_case(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    tokens: &[String],
    beats: usize,
) -> Figures {
    let start = Instant::now();
    let all = join_all(tokens.iter().map(|token| async move {
        let mut ms = Vec::with_capacity(beats);
        for k in 0..beats {
            let (from, to) = segment(k);
            let t0 = Instant::now();
            let res = http
                .patch(format!("{base}{path}"))
                .bearer_auth(token)
                .json(&json!({ "watched": [[from, to]], "lastPosition": to }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "heartbeat");
            res.bytes().await.unwrap();
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        ms
    }))
    .await;
    figures(all.concat(), start.elapsed())
}

/// The update `ProgressStore::apply_heartbeat` sends for a plain heartbeat, written out by hand.
fn raw_update(lecture: &str, k: usize) -> Document {
    let (from, to) = segment(k);
    let p = format!("lectures.{lecture}");
    let mut mask_words = Document::new();
    let mut words: std::collections::BTreeMap<u64, u64> = Default::default();
    for s in from..to {
        *words.entry(s / 64).or_default() |= 1 << (s % 64);
    }
    for (i, w) in words {
        mask_words.insert(format!("{p}.cov.w{i}"), doc! { "or": w as i64 });
    }
    let now = mongodb::bson::DateTime::now();
    doc! {
        "$max": { "lastAccessed": now, format!("{p}.lastWatched"): now },
        "$setOnInsert": { "createdAt": now },
        "$set": { format!("{p}.lastPosition"): to as f64 },
        "$bit": mask_words,
        "$inc": { "epoch": 0_i64, format!("{p}.epoch"): 0_i64 },
    }
}

/// N writers in parallel, each upserting its own record M times with the driver directly.
async fn raw_case(
    coll: &mongodb::Collection<Document>,
    course: ObjectId,
    lecture: &str,
    viewers: usize,
    beats: usize,
) -> Figures {
    let start = Instant::now();
    let all = join_all((0..viewers).map(|_| async move {
        let user = ObjectId::new();
        let mut ms = Vec::with_capacity(beats);
        for k in 0..beats {
            let t0 = Instant::now();
            coll.find_one_and_update(
                doc! { "userId": user, "courseId": course },
                raw_update(lecture, k),
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await
            .unwrap();
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        ms
    }))
    .await;
    figures(all.concat(), start.elapsed())
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.viewers * 2)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (course_id, lecture_id) = publish_course(&http, &a).await;
    let students =
        join_all((0..a.viewers).map(|i| sign_up(&http, &a.auth, "student", i + 1))).await;
    let redis = shared::redis_handle::RedisHandle::from_url(&a.redis_url).unwrap();
    let publisher = Publisher::new(redis, a.prefix.clone());
    for (user_id, _) in &students {
        let event = EventEnvelope::new(
            PURCHASE_COMPLETED,
            PurchaseCompleted {
                purchase_id: ObjectId::new().to_hex(),
                user_id: user_id.clone(),
                course_id: course_id.clone(),
                amount_cents: 4999,
                currency: "usd".into(),
            },
        );
        publisher.publish(PURCHASE_COMPLETED, &event).await.unwrap();
    }
    let tokens: Vec<String> = students.into_iter().map(|(_, t)| t).collect();
    let read = format!("/api/v1/progress/{course_id}");
    for token in &tokens {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let res = http
                .get(format!("{}{read}", a.gateway))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            if res.status() == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "enrolment not seen: {}",
                res.status()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let path = format!("/api/v1/progress/{course_id}/lectures/{lecture_id}");
    let db = mongodb::Client::with_uri_str(&a.mongo_uri)
        .await
        .unwrap()
        .database(&a.db);
    let coll = db.collection::<Document>("progress");
    let course_oid = ObjectId::parse_str(&course_id).unwrap();

    // Warm-up: connection pools, the course and enrolment caches, the JWKS.
    http_case(&http, &a.gateway, &path, &tokens, 5).await;
    raw_case(&coll, course_oid, &lecture_id, a.viewers, 5).await;

    println!(
        "heartbeats (PATCH .../lectures/{{id}}, 5 s segment each) with {} concurrent viewers x {} heartbeats per case, loopback:",
        a.viewers, a.beats
    );
    println!(
        "  {:<44} {:>10} {:>8} {:>8}",
        "case", "beats/s", "p50 ms", "p99 ms"
    );
    let mut rows = Vec::new();
    for round in 0..2 {
        let raw = raw_case(&coll, course_oid, &lecture_id, a.viewers, a.beats).await;
        let direct = http_case(&http, &a.progress, &path, &tokens, a.beats).await;
        let gateway = http_case(&http, &a.gateway, &path, &tokens, a.beats).await;
        for (name, f) in [
            ("(a) raw driver upsert (findOneAndUpdate)", &raw),
            ("(b) progress-service directly", &direct),
            ("(c) through the gateway", &gateway),
        ] {
            println!(
                "  {:<44} {:>10.0} {:>8.2} {:>8.2}",
                format!("{name} #{}", round + 1),
                f.per_sec,
                f.p50,
                f.p99
            );
        }
        rows.push((raw, direct, gateway));
    }
    for (i, (raw, direct, gateway)) in rows.iter().enumerate() {
        println!(
            "  round {}: p50 added over the raw upsert: service {:+.2} ms, service + gateway {:+.2} ms (target <= 1 ms)",
            i + 1,
            direct.p50 - raw.p50,
            gateway.p50 - raw.p50
        );
    }
}
