//! Faults, each its own test saying what it proves: a dependency taken away (a `test_support::TcpProxy`
//! closed in front of course-service or Redis, a crashed payment-service, the database server restarted)
//! while users go on, and what the platform answers meanwhile and once it is back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use test_support::{
    EVENT_TIMEOUT, RECOVERY_TIMEOUT, TcpProxy, closed_port, eventually, required_env, run_id,
};

use crate::actor::{Actor, Credential};
use crate::helpers::{Faults, Platform, email, json_of, send, text};
use crate::steps::{
    Published, assert_enrolled, buy, create_course, progress, publish_course, purchases, students,
};

/// A new account of `role` that sends its access token as a bearer token.
pub(crate) async fn signed_up(p: &Platform, role: &str) -> Actor {
    let mut actor = Actor::script(email(role));
    let body = p.sign_up(&actor.client, role, &actor.email, role).await;
    actor.id = text(&body, "/user/_id");
    actor.credential = Credential::Bearer(text(&body, "/token"));
    actor
}

#[tokio::test]
async fn a_checkout_while_course_service_is_unreachable_is_a_clear_502_that_records_nothing_and_succeeds_once_it_is_back()
 {
    let p = Platform::spawn_with(None, true).await;
    let proxy = p
        .course_proxy
        .as_ref()
        .expect("course-service behind a proxy");
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    let mut admin = Actor::script(test_support::ADMIN_EMAIL.to_owned());
    admin.credential = Credential::Bearer(text(&p.admin(&admin.client).await, "/token"));
    let checkout = || {
        student
            .post(&p.url("/payments/create-checkout-session"))
            .json(&json!({ "courseId": course.course_id }))
    };

    // course-service goes away: payment-service cannot learn the price, so it says so and stops there.
    proxy.close();
    let body = json_of(send(checkout()).await, 502).await;
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["error"], "BAD_GATEWAY", "{body}");
    assert!(body["requestId"].is_string(), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("127.0.0.1") && !message.contains("connect"),
        "the cause stays in the logs: {message}"
    );
    assert_eq!(p.sim.sessions_created(), 0, "no Checkout Session at Stripe");
    assert_eq!(
        purchases(&p, &admin, &course.course_id).await,
        Vec::<serde_json::Value>::new(),
        "no purchase recorded"
    );

    // It comes back: the same request now starts a checkout, and the purchase goes through.
    proxy.open();
    let body = json_of(send(checkout()).await, 201).await;
    let page = text(&body, "/data/session/url");
    let paid = send(
        student
            .client
            .post(&page)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("action=pay"),
    )
    .await;
    assert_eq!(paid.status(), 303, "paying");
    eventually(EVENT_TIMEOUT, "the enrolment", async || {
        students(&p, &instructor, &course.course_id)
            .await
            .contains(&student.id)
            .then_some(())
    })
    .await;
    let list = purchases(&p, &admin, &course.course_id).await;
    assert_eq!(list.len(), 1, "exactly one purchase: {list:?}");
    assert_eq!(list[0]["status"], "completed", "{list:?}");
    assert_eq!(p.sim.sessions_created(), 1, "{list:?}");
}

/// The configured admin, with a bearer token.
pub(crate) async fn admin(p: &Platform) -> Actor {
    let mut admin = Actor::script(test_support::ADMIN_EMAIL.to_owned());
    admin.credential = Credential::Bearer(text(&p.admin(&admin.client).await, "/token"));
    admin
}

/// Starts a checkout of `course_id` for `student`; returns the Checkout Session's id and page.
pub(crate) async fn checkout(p: &Platform, student: &Actor, course_id: &str) -> (String, String) {
    let res = send(
        student
            .post(&p.url("/payments/create-checkout-session"))
            .json(&json!({ "courseId": course_id })),
    )
    .await;
    let body = json_of(res, 201).await;
    (
        text(&body, "/data/session/id"),
        text(&body, "/data/session/url"),
    )
}

/// The id of the simulator's `checkout.session.completed` event of `session_id`.
fn completed_event(p: &Platform, session_id: &str) -> String {
    p.sim
        .events()
        .iter()
        .find(|e| {
            e["type"] == "checkout.session.completed" && e["data"]["object"]["id"] == session_id
        })
        .map(|e| text(e, "/id"))
        .unwrap_or_else(|| panic!("no checkout.session.completed event of {session_id}"))
}

/// A refusal in the JSON envelope: `success: false`, `status: error`, the code and a request id.
fn assert_envelope(body: &Value, code: &str) {
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["requestId"].is_string(), "{body}");
}

#[tokio::test]
async fn with_redis_unreachable_authenticated_requests_fail_closed_with_503_public_reads_are_served_and_a_payment_waits_in_the_outbox_until_it_returns()
 {
    let faults = Faults {
        redis_proxy: true,
        ..Faults::default()
    };
    let p = Platform::spawn_faulty(None, faults).await;
    let redis = p.redis_proxy.as_ref().expect("Redis behind a proxy");
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    let (session_id, page) = checkout(&p, &student, &course.course_id).await;

    redis.close();
    // Until the gateway sees its revocation feed cut it may still trust its copy; from then on it must ask
    // Redis for every token, and Redis cannot answer.
    let refused = eventually(
        EVENT_TIMEOUT,
        "an authenticated request refused",
        async || {
            let res = send(student.get(&p.url("/user/profile"))).await;
            let status = res.status();
            assert!(
                status == 200 || status == 503,
                "an authenticated request without Redis: {status}"
            );
            (status == 503).then_some(res)
        },
    )
    .await;
    assert_envelope(&json_of(refused, 503).await, "SERVICE_UNAVAILABLE");
    let res =
        send(instructor.get(&p.url(&format!("/courses/{}/students", course.course_id)))).await;
    assert_envelope(&json_of(res, 503).await, "SERVICE_UNAVAILABLE");

    // Public reads need no token, so they are still served.
    let anonymous = reqwest::Client::new();
    let catalogue = json_of(send(anonymous.get(p.url("/courses/published"))).await, 200).await;
    let ids: Vec<&str> = catalogue["data"]
        .as_array()
        .expect("catalogue data")
        .iter()
        .filter_map(|c| c["_id"].as_str())
        .collect();
    assert_eq!(ids, [course.course_id.as_str()], "{catalogue}");
    let res = send(anonymous.get(p.url(&format!("/courses/{}", course.course_id)))).await;
    let page_body = json_of(res, 200).await;
    assert_eq!(page_body["course"]["_id"], course.course_id.as_str());

    // The student pays meanwhile: Stripe's signed webhook is public, payment-service records the purchase
    // in MongoDB and its `purchase.completed` waits in the outbox.
    let paid = send(
        student
            .client
            .post(&page)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("action=pay"),
    )
    .await;
    assert_eq!(paid.status(), 303, "paying");
    let event = completed_event(&p, &session_id);
    eventually(EVENT_TIMEOUT, "the webhook accepted", async || {
        p.sim
            .delivery_attempts(&event)
            .contains(&Some(200))
            .then_some(())
    })
    .await;
    // The relay tries every second; after two tries without Redis nothing has reached course-service.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !p.enrolled_at_course_service(&student.id, &course.course_id)
            .await,
        "enrolled although the event could not be published"
    );

    // Redis is back: the relay publishes the event and the student is enrolled everywhere.
    redis.open();
    // Each service checks tokens against Redis too, and reconnects on its own: wait for all of them.
    let course_students = p.url(&format!("/courses/{}/students", course.course_id));
    eventually(
        RECOVERY_TIMEOUT,
        "authenticated requests served again",
        async || {
            for req in [
                student.get(&p.url("/user/profile")),
                student.get(&p.url("/payments/purchased-courses")),
                instructor.get(&p.url(&format!("/progress/{}/stats", course.course_id))),
                instructor.get(&course_students),
            ] {
                let status = send(req).await.status();
                assert!(
                    status == 200 || status == 503,
                    "an authenticated request as Redis returns: {status}"
                );
                if status != 200 {
                    return None;
                }
            }
            Some(())
        },
    )
    .await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;
}

/// Buyers in the storm. SecantusDB drops connections beyond about 8 concurrent clients: with one storm
/// task per purchase plus the simulator's own deliveries, 6 keeps the database's load below that.
const BUYERS: usize = 6;
/// Extra deliveries of each event on top of the simulator's own.
const DUPLICATES: usize = 3;

/// Delivers `event` `DUPLICATES` times through the simulator's test control, 100 ms apart; returns the
/// statuses (`0`: the simulator could not reach the gateway).
async fn storm(client: reqwest::Client, sim: String, event: String) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..DUPLICATES {
        let res = client
            .post(format!("{sim}_sim/events/{event}/deliver"))
            .send()
            .await
            .expect("the simulator's deliver control");
        let body: Value = res.json().await.expect("deliver answer");
        statuses.push(
            body["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    statuses
}

#[tokio::test]
async fn a_webhook_storm_during_a_payment_service_restart_completes_every_purchase_and_enrols_each_buyer_exactly_once()
 {
    let faults = Faults {
        payment_proxy: true,
        ..Faults::default()
    };
    let mut p = Platform::spawn_faulty(None, faults).await;
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let admin = admin(&p).await;
    let mut buyers = Vec::new();
    for _ in 0..BUYERS {
        let student = signed_up(&p, "student").await;
        let (session_id, _) = checkout(&p, &student, &course.course_id).await;
        buyers.push((student, session_id));
    }
    let (early, late) = buyers.split_at(BUYERS / 2);
    let client = reqwest::Client::new();
    let sim = p.sim.base_url();
    let mut storms = Vec::new();

    // The first half pay: the simulator sends their events while duplicates pour in, and payment-service
    // crashes in the middle of it.
    for (_, session_id) in early {
        p.sim.pay(session_id).await.expect("paying");
        let event = completed_event(&p, session_id);
        storms.push(tokio::spawn(storm(client.clone(), sim.clone(), event)));
    }
    p.stop_payment().await;

    // The second half pay while it is down: every first delivery fails, and duplicates keep coming.
    let mut late_events = Vec::new();
    for (_, session_id) in late {
        p.sim.pay(session_id).await.expect("paying");
        let event = completed_event(&p, session_id);
        storms.push(tokio::spawn(storm(
            client.clone(),
            sim.clone(),
            event.clone(),
        )));
        late_events.push(event);
    }
    eventually(
        EVENT_TIMEOUT,
        "a failed delivery of each late event",
        async || {
            late_events
                .iter()
                .all(|event| {
                    p.sim
                        .delivery_attempts(event)
                        .iter()
                        .any(|status| !matches!(status, Some(200..=299)))
                })
                .then_some(())
        },
    )
    .await;

    // A new instance on the same database; Stripe's retries and the rest of the storm reach it.
    p.start_payment().await;
    let mut statuses = Vec::new();
    for storm in storms {
        statuses.extend(storm.await.expect("a storm task"));
    }
    eprintln!("the storm's duplicate deliveries answered {statuses:?} (0: unreachable)");
    assert_eq!(statuses.len(), BUYERS * DUPLICATES);
    assert!(
        statuses.iter().all(|s| [0, 200, 502, 503].contains(s)),
        "each duplicate accepted, or refused while payment-service was down: {statuses:?}"
    );

    let mut ids: Vec<String> = buyers.iter().map(|(s, _)| s.id.clone()).collect();
    ids.sort();
    let list = eventually(RECOVERY_TIMEOUT, "every purchase completed", async || {
        let list = purchases(&p, &admin, &course.course_id).await;
        list.iter()
            .all(|row| row["status"] == "completed")
            .then_some(list)
            .filter(|list| list.len() == BUYERS)
    })
    .await;
    let mut users: Vec<String> = list.iter().map(|row| text(row, "/user")).collect();
    users.sort();
    assert_eq!(users, ids, "one purchase per buyer: {list:?}");
    let enrolled = eventually(EVENT_TIMEOUT, "every buyer enrolled", async || {
        let enrolled = students(&p, &instructor, &course.course_id).await;
        (enrolled.len() >= BUYERS).then_some(enrolled)
    })
    .await;
    let mut enrolled = enrolled;
    enrolled.sort();
    assert_eq!(enrolled, ids, "each buyer on the students list once");
    for (student, session_id) in &buyers {
        let event = completed_event(&p, session_id);
        assert!(
            p.sim.delivery_attempts(&event).contains(&Some(200)),
            "a delivery of {event} accepted"
        );
        let res = send(student.get(&p.url("/payments/purchased-courses"))).await;
        let purchased = json_of(res, 200).await;
        let rows = purchased["data"].as_array().expect("purchased courses");
        assert_eq!(rows.len(), 1, "{purchased}");
        assert_eq!(rows[0]["status"], "completed", "{purchased}");
        let profile = eventually(EVENT_TIMEOUT, "the profile's enrolment", async || {
            let profile = json_of(send(student.get(&p.url("/user/profile"))).await, 200).await;
            let courses = profile["user"]["enrolledCourses"].as_array()?.clone();
            (!courses.is_empty()).then_some(courses)
        })
        .await;
        let this: Vec<&Value> = profile
            .iter()
            .filter(|c| c["course"] == course.course_id.as_str())
            .collect();
        assert_eq!(this.len(), 1, "enrolled once in the profile: {profile:?}");
    }
    let stats = eventually(
        EVENT_TIMEOUT,
        "progress-service counting the buyers",
        async || {
            let res =
                send(instructor.get(&p.url(&format!("/progress/{}/stats", course.course_id))));
            let data = json_of(res.await, 200).await["data"].clone();
            (data["enrolled"].as_u64() >= Some(BUYERS as u64)).then_some(data)
        },
    )
    .await;
    assert_eq!(stats["enrolled"], BUYERS, "{stats}");
    assert_eq!(
        students(&p, &instructor, &course.course_id).await.len(),
        BUYERS,
        "still one enrolment per buyer"
    );
}

/// A file-backed SecantusDB of this test's own (`SECANTUSD`, exported by `scripts/test`), so that the
/// test can stop and start the real server process; its data stays on disk across restarts. The services
/// reach it at one fixed address, a `TcpProxy` (as a service address in front of a database server):
/// each start takes a free port, so no other test's listener can take the port while it is down. Killed
/// and removed on drop (the log is kept when the test fails).
struct OwnDatabase {
    exe: String,
    dir: PathBuf,
    address: TcpProxy,
    child: Option<Child>,
}

impl OwnDatabase {
    async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("e2e-secantus-{}", run_id()));
        std::fs::create_dir_all(&dir).expect("the database's directory");
        let mut db = Self {
            exe: required_env("SECANTUSD"),
            dir,
            // Aimed at the server once it listens.
            address: TcpProxy::start("127.0.0.1:9", true).await,
            child: None,
        };
        db.launch().await;
        db
    }

    /// The fixed address. `directConnection`: SecantusDB announces itself as a one-member replica set
    /// under its own port, and without the option the driver would follow that announcement past the
    /// fixed address, to a port that is gone after a restart.
    fn uri(&self) -> String {
        format!(
            "mongodb://127.0.0.1:{}/?directConnection=true",
            self.address.port()
        )
    }

    fn log(&self) -> PathBuf {
        self.dir.join("secantusd.log")
    }

    fn read_log(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// Starts the server on the same data directory and a free port, waits until it listens and points
    /// the address at it. A port taken between choosing and binding makes the server exit: another
    /// port is tried then.
    async fn launch(&mut self) {
        for _ in 0..3 {
            let port = closed_port();
            let listening = format!("listening on 127.0.0.1:{port}");
            let said_before = self.read_log().matches(&listening).count();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.log())
                .expect("the database's log");
            let mut child = Command::new(&self.exe)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .arg("--storage-path")
                .arg(self.dir.join("data"))
                // INFO: the one line saying it listens (it logs no requests at that level).
                .args(["--log-level", "INFO"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("the log's handle"))
                .stderr(log)
                .spawn()
                .expect("starting SecantusDB");
            let started = eventually(
                RECOVERY_TIMEOUT,
                "SecantusDB listening or gone",
                async || {
                    if child.try_wait().expect("SecantusDB's state").is_some() {
                        return Some(false);
                    }
                    (self.read_log().matches(&listening).count() > said_before).then_some(true)
                },
            )
            .await;
            if started {
                self.address.set_target(&format!("127.0.0.1:{port}"));
                self.child = Some(child);
                return;
            }
        }
        panic!("SecantusDB did not start (log: {})", self.log().display());
    }

    /// Stops the server as an operator would (SIGTERM) and waits until it has exited.
    async fn stop(&mut self) {
        let mut child = self.child.take().expect("a running SecantusDB");
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(term.success(), "kill -TERM SecantusDB");
        eventually(RECOVERY_TIMEOUT, "SecantusDB exiting", async || {
            child.try_wait().expect("waiting for SecantusDB").map(drop)
        })
        .await;
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("SecantusDB's data and log kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Waits until `GET {base}/readyz` of the service `(name, base)` answers `status`.
async fn readyz_becomes((name, base): (&str, &str), status: u16) {
    let url = format!("{base}/readyz");
    eventually(
        RECOVERY_TIMEOUT,
        &format!("{name}'s /readyz answering {status}"),
        async || {
            let res = reqwest::get(&url).await.ok()?;
            (res.status() == status).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn after_the_database_server_restarts_every_service_recovers_without_a_restart_of_its_own() {
    let mut db = OwnDatabase::start().await;
    let faults = Faults {
        mongo_uri: Some(db.uri()),
        ..Faults::default()
    };
    let p = Platform::spawn_faulty(None, faults).await;
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    buy(&p, &student, &course.course_id).await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;

    db.stop().await;
    let [auth, course_svc, progress_svc, payment, certificate] = p.services();
    tokio::join!(
        readyz_becomes(auth, 503),
        readyz_becomes(course_svc, 503),
        readyz_becomes(progress_svc, 503),
        readyz_becomes(payment, 503),
        readyz_becomes(certificate, 503),
    );

    db.launch().await;
    tokio::join!(
        readyz_becomes(auth, 200),
        readyz_becomes(course_svc, 200),
        readyz_becomes(progress_svc, 200),
        readyz_becomes(payment, 200),
        readyz_becomes(certificate, 200),
    );

    // Real reads and writes in every service, through the gateway, with the data from before the restart.
    // auth-service: the instructor signs in again, a new student signs up.
    let res = p.sign_in(&reqwest::Client::new(), &instructor.email).await;
    json_of(res, 200).await;
    let buyer = signed_up(&p, "student").await;
    // course-service: a new draft.
    create_course(&p, &instructor, "After the restart", "19.99").await;
    // progress-service: a heartbeat of the student who bought before the restart.
    let res = send(
        student
            .patch(&p.url(&format!(
                "/progress/{}/lectures/{}",
                course.course_id, course.locked_id
            )))
            .json(&json!({ "watched": [[0, 3]], "lastPosition": 3.0 })),
    )
    .await;
    let body = json_of(res, 200).await;
    let locked = lecture_of(&body, &course.locked_id);
    assert_eq!(locked["watchTime"], 3, "{body}");
    // payment-service (and the event path to course-service): the new student buys the course.
    buy(&p, &buyer, &course.course_id).await;
    assert_enrolled(&p, &instructor, &buyer, &course.course_id).await;
}

/// One lecture's row of a progress answer (`data.progress`).
fn lecture_of(body: &Value, lecture_id: &str) -> Value {
    body["data"]["progress"]
        .as_array()
        .and_then(|rows| rows.iter().find(|l| l["lectureId"] == lecture_id))
        .cloned()
        .unwrap_or_else(|| panic!("no progress row of {lecture_id}: {body}"))
}

/// What the student has watched, by lecture, as whole seconds: the progress the accepted heartbeats
/// must add up to.
struct Watched {
    /// Lecture id → (seconds watched, seconds that complete it).
    lectures: BTreeMap<String, (BTreeSet<u32>, usize)>,
}

impl Watched {
    /// The preview (8 s, completed at 8) and the locked lecture (12 s, completed at 11), at 90 %.
    fn new(course: &Published) -> Self {
        Self {
            lectures: BTreeMap::from([
                (course.preview_id.clone(), (BTreeSet::new(), 8)),
                (course.locked_id.clone(), (BTreeSet::new(), 11)),
            ]),
        }
    }

    fn accept(&mut self, lecture: &str, from: u32, to: u32) {
        let (seconds, _) = self.lectures.get_mut(lecture).expect("a lecture");
        seconds.extend(from..to);
    }

    fn percentage(&self) -> u64 {
        let done = self
            .lectures
            .values()
            .filter(|(seconds, needed)| seconds.len() >= *needed)
            .count();
        // Two lectures: 0, 50 or 100, no rounding involved.
        (done * 100 / self.lectures.len()) as u64
    }

    /// `body` (a progress answer) shows exactly this: two lectures, each one's unique seconds and
    /// completion, and the percentage over both.
    fn assert_shown_by(&self, body: &Value, context: &str) {
        let lectures = body["data"]["courseDetails"]["lectures"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(lectures, 2, "{context}: the course's lectures: {body}");
        for (id, (seconds, needed)) in &self.lectures {
            let row = lecture_of(body, id);
            assert_eq!(row["watchTime"], seconds.len(), "{context}: {body}");
            assert_eq!(
                row["isCompleted"],
                seconds.len() >= *needed,
                "{context}: {body}"
            );
        }
        assert_eq!(
            body["data"]["completionPercentage"],
            self.percentage(),
            "{context}: {body}"
        );
    }
}

#[tokio::test]
async fn heartbeats_while_course_service_is_down_are_accepted_or_refused_with_a_clear_503_and_no_percentage_is_ever_wrong()
 {
    // progress-service keeps what course-service told it for 2 s: heartbeats just after course-service
    // went away are judged against that copy, later ones cannot be.
    let faults = Faults {
        course_proxy: true,
        progress_cache_secs: Some("2"),
        ..Faults::default()
    };
    let p = Platform::spawn_faulty(None, faults).await;
    let proxy = p
        .course_proxy
        .as_ref()
        .expect("course-service behind a proxy");
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    buy(&p, &student, &course.course_id).await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;
    let beat = |lecture: &str, from: u32, to: u32| {
        student
            .patch(&p.url(&format!(
                "/progress/{}/lectures/{lecture}",
                course.course_id
            )))
            .json(&json!({ "watched": [[from, to]], "lastPosition": to }))
    };
    let mut watched = Watched::new(&course);
    // progress-service learns of the purchase from its event, or asks course-service.
    let res = eventually(EVENT_TIMEOUT, "the first heartbeat accepted", async || {
        let res = send(beat(&course.preview_id, 0, 4)).await;
        (res.status() == 200).then_some(res)
    })
    .await;
    watched.accept(&course.preview_id, 0, 4);
    watched.assert_shown_by(&json_of(res, 200).await, "while course-service is up");

    proxy.close();
    let plan = [
        (&course.preview_id, 4, 8),
        (&course.locked_id, 0, 4),
        (&course.locked_id, 4, 8),
        (&course.locked_id, 8, 12),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for (lecture, from, to) in plan {
        let res = send(beat(lecture, from, to)).await;
        match res.status().as_u16() {
            200 => {
                accepted += 1;
                watched.accept(lecture, from, to);
                watched.assert_shown_by(&json_of(res, 200).await, "an accepted heartbeat");
            }
            503 => {
                refused += 1;
                assert_envelope(&json_of(res, 503).await, "SERVICE_UNAVAILABLE");
            }
            status => panic!("a heartbeat while course-service is down: {status}"),
        }
        let res = progress(&p, &student, &course.course_id).await;
        match res.status().as_u16() {
            200 => watched.assert_shown_by(&json_of(res, 200).await, "a read"),
            503 => assert_envelope(&json_of(res, 503).await, "SERVICE_UNAVAILABLE"),
            status => panic!("a progress read while course-service is down: {status}"),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!("heartbeats while course-service was down: {accepted} accepted, {refused} refused");
    // Past the cache's 2 s nothing can be judged any more: a clear 503, and nothing recorded.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let res = send(beat(&course.preview_id, 0, 8)).await;
    assert_envelope(&json_of(res, 503).await, "SERVICE_UNAVAILABLE");
    let res = progress(&p, &student, &course.course_id).await;
    assert_envelope(&json_of(res, 503).await, "SERVICE_UNAVAILABLE");

    // Back: the record holds exactly what was accepted.
    proxy.open();
    let res = progress(&p, &student, &course.course_id).await;
    watched.assert_shown_by(
        &json_of(res, 200).await,
        &format!("after the outage ({accepted} accepted, {refused} refused meanwhile)"),
    );
}
