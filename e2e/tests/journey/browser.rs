//! The student's journey in a real browser: Debian's Chromium, driven by playwright-core
//! (`e2e/browser/journey.mjs`), on a small frontend (`e2e/browser/site/`) served here from its own origin,
//! the platform's `CLIENT_URL`. The instructor's part (course, lectures, publishing) is done through the
//! API first; the browser is the student: sign-up, Checkout on the simulator's page and back, the locked
//! lecture played through `Range` requests, a page of another site that reads nothing, sign-out. A second
//! run of the same journey keeps the lectures in an S3 bucket (moto) with `MEDIA_DELIVERY=redirect`, so the
//! locked lecture plays from presigned URLs the gateway's `307`s point at.
//!
//! The frontend is `http://localhost:<port>` and the browser calls the gateway as `http://localhost:<port>`
//! too: another origin but the same site, as `app.example.com` and `api.example.com` are, so the
//! `SameSite=Strict` cookies go with its requests. The foreign page is on `http://127.0.0.1:<port>`, another
//! site. Nothing here is skipped: no Node.js, no `npm ci`, no Chromium is a failure (`./scripts/test`
//! installs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use test_support::{OidcClient, OidcLogin, OidcProvider, PASSWORD, closed_port, run_id};

use crate::actor::Actor;
use crate::bucket::Bucket;
use crate::faults::signed_up;
use crate::helpers::{Faults, Platform, email, json_of, send, text};
use crate::steps::{
    add_lecture, assert_enrolled, buy, certificate, create_course, publish, publish_course,
    purchases, students, watch_and_complete,
};

/// A 3-second 128×72 VP8 WebM of ffmpeg's test pattern (8.7 KB), made with
/// `ffmpeg -f lavfi -i testsrc=size=128x72:rate=10:duration=3 -c:v libvpx -b:v 20k -g 10 -an -f webm`.
const CLIP: &[u8] = include_bytes!("../../browser/lecture.webm");
const CLIP_SECS: f64 = 3.0;

/// The static frontend and the foreign page; `config.js` tells the pages where the gateway is.
struct Site {
    frontend: String,
    foreign: String,
    gateway: Arc<OnceLock<String>>,
}

impl Site {
    /// One server on two ports: the frontend's origin and the foreign one differ by host name.
    fn start() -> Self {
        let gateway = Arc::new(OnceLock::new());
        let config = Arc::clone(&gateway);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(Arc::clone(&config)))
                .default_service(web::to(page))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .and_then(|s| s.bind(("127.0.0.1", 0)))
        .expect("binding the static site");
        let ports: Vec<u16> = server
            .addrs()
            .iter()
            .map(std::net::SocketAddr::port)
            .collect();
        tokio::spawn(server.run());
        Self {
            frontend: format!("http://localhost:{}", ports[0]),
            foreign: format!("http://127.0.0.1:{}", ports[1]),
            gateway,
        }
    }
}

/// Serves `site/`: its scripts and the foreign page by name, `config.js`, and `index.html` for any other
/// path (the frontend routes in the page, as a single-page app does).
async fn page(req: HttpRequest, gateway: web::Data<Arc<OnceLock<String>>>) -> HttpResponse {
    const JS: &str = "text/javascript; charset=utf-8";
    const HTML: &str = "text/html; charset=utf-8";
    let config;
    let (content_type, body) = match req.path() {
        "/config.js" => {
            let gateway = gateway.get().map_or("", String::as_str);
            config = format!("window.LMS = {};\n", json!({ "gateway": gateway }));
            (JS, config.as_str())
        }
        "/app.js" => (JS, include_str!("../../browser/site/app.js")),
        "/foreign.js" => (JS, include_str!("../../browser/site/foreign.js")),
        "/foreign.html" => (HTML, include_str!("../../browser/site/foreign.html")),
        _ => (HTML, include_str!("../../browser/site/index.html")),
    };
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body.to_owned())
}

/// The directory of `journey.mjs` and its `package.json`.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Fails, never skips, when what the browser journey needs is missing.
fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&path).is_file(),
        "Chromium not found at {path}: ./scripts/test installs Debian's chromium (or set CHROMIUM)"
    );
    let modules = browser_dir().join("node_modules/playwright-core");
    assert!(
        modules.is_dir(),
        "{} is missing: ./scripts/test runs `npm ci` in e2e/browser",
        modules.display()
    );
    path
}

#[tokio::test]
async fn a_student_in_chromium_signs_up_buys_on_the_checkout_page_plays_a_locked_lecture_through_range_requests_and_signs_out_while_another_site_reads_nothing()
 {
    let chromium = chromium();
    let site = Site::start();
    let p = Platform::spawn_for(None, false, &site.frontend).await;
    journey(&chromium, &site, &p, None).await;
}

/// The same journey with the lectures in a bucket (moto) and `MEDIA_DELIVERY=redirect`: the `<video>`'s
/// requests to the gateway are answered `307` to a presigned URL and Chromium plays the ranges it reads from
/// the bucket; the frontend's own cross-origin `fetch` of that URL works through the bucket's CORS rule.
/// Before buying, and for anyone not enrolled, the answer is `403` with no `Location`. Needs course-service
/// built with the `s3` feature (`./scripts/test` builds the tests with `--features course-service/s3`).
#[tokio::test]
async fn a_student_in_chromium_plays_a_locked_lecture_from_s3_through_a_redirect_to_a_presigned_url_that_a_student_who_did_not_buy_never_gets()
 {
    let chromium = chromium();
    let site = Site::start();
    let bucket = Bucket::create(&site.frontend).await;
    let p = Platform::spawn_for_with_course(&site.frontend, &bucket.redirect_vars()).await;
    let (instructor, locked_url) = journey(&chromium, &site, &p, Some(&bucket)).await;

    // Outside the browser, on the same URL: the owner is redirected into the bucket, a student who did not
    // buy and an anonymous caller are refused before any URL is made.
    let url = p.raw_url(&locked_url);
    let res = send(instructor.get(&url)).await;
    assert_eq!(res.status(), 307, "the owner is redirected");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/", bucket.url()))
            && location.contains("X-Amz-Signature="),
        "a presigned URL of the bucket: {location}"
    );
    let stranger = Actor::browser(email("stranger"));
    p.sign_up(
        &stranger.client,
        "Stan Stranger",
        &stranger.email,
        "student",
    )
    .await;
    let res = send(stranger.get(&url)).await;
    assert_eq!(res.status(), 403, "a student who did not buy");
    assert!(res.headers().get("location").is_none(), "no URL for them");
    let res = send(Actor::script(email("anonymous")).get(&url)).await;
    assert_eq!(res.status(), 401, "anonymous");
    assert!(res.headers().get("location").is_none(), "no URL for them");
}

/// Publishes a course (a preview and a locked lecture of [`CLIP`]) through the API, runs `journey.mjs`
/// against it, and checks what the platform recorded. With `bucket`, the lectures are in it and the page
/// expects redirects to it. Returns the instructor and the locked lecture's media path.
async fn journey(
    chromium: &str,
    site: &Site,
    p: &Platform,
    bucket: Option<&Bucket>,
) -> (Actor, String) {
    // The browser's name for the gateway: same site as the frontend.
    let gateway = p.gateway.address.replace("127.0.0.1", "localhost");
    site.gateway.set(gateway.clone()).expect("set once");

    let mut instructor = Actor::browser(email("instructor"));
    let body = p
        .sign_up(
            &instructor.client,
            "Ada Instructor",
            &instructor.email,
            "instructor",
        )
        .await;
    instructor.id = text(&body, "/user/_id");
    let course = create_course(p, &instructor, "Rust in the browser", "49.99").await;
    let course_id = text(&course, "/_id");
    let clip = || ("clip.webm", CLIP.to_vec());
    add_lecture(p, &instructor, &course_id, "Preview", 1, true, clip()).await;
    let locked = add_lecture(p, &instructor, &course_id, "Locked", 2, false, clip()).await;
    assert_eq!(
        locked["duration"].as_f64(),
        Some(CLIP_SECS),
        "duration read from the WebM: {locked}"
    );
    publish(p, &instructor, &course_id).await;

    let student_email = format!("browser-{}@example.com", &run_id()[..12]);
    let locked_id = text(&locked, "/_id");
    let locked_url = text(&locked, "/videoUrl");
    let script = browser_dir().join("journey.mjs");
    let mut node = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".to_owned()));
    node.arg(&script)
        .current_dir(browser_dir())
        .env("CHROMIUM", chromium)
        .env("FRONTEND_URL", &site.frontend)
        .env("FOREIGN_URL", &site.foreign)
        .env("GATEWAY_URL", &gateway)
        .env("COURSE_ID", &course_id)
        .env("LOCKED_ID", &locked_id)
        .env("LOCKED_URL", &locked_url)
        .env("LOCKED_BYTES", CLIP.len().to_string())
        .env("STUDENT_EMAIL", &student_email)
        .env("STUDENT_PASSWORD", PASSWORD);
    if let Some(bucket) = bucket {
        node.env("BUCKET_URL", bucket.url());
    }
    // Blocking on the child here would stall this runtime's tasks (the simulator's webhook deliveries).
    let out = tokio::task::spawn_blocking(move || node.output())
        .await
        .expect("the node task")
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", script.display()));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser journey failed ({}):\n{stdout}\n{stderr}",
        out.status
    );

    // What the browser did is what the platform recorded: one buyer, one completed purchase.
    let listed = students(p, &instructor, &course_id).await;
    assert_eq!(listed.len(), 1, "the course's students: {listed:?}");
    let admin = Actor::browser(test_support::ADMIN_EMAIL.to_owned());
    p.admin(&admin.client).await;
    let list = purchases(p, &admin, &course_id).await;
    assert_eq!(
        list.len(),
        1,
        "one purchase, none from the foreign page: {list:?}"
    );
    assert_eq!(list[0]["status"], "completed", "{list:?}");
    assert_eq!(list[0]["amount"], 4999, "{list:?}");
    (instructor, locked_url)
}

/// A visitor opens a certificate's public page (`/certificates/{id}` on the gateway) in Chromium, after a
/// student finished a course: the learner, the course, the date, the verdict with every check, and an
/// "Add to LinkedIn" link carrying the course, the issuer, the date and the page; the page's own CSP lets its
/// inline style apply and nothing else run. Revoked by an admin, the same page says "Not valid".
#[tokio::test]
async fn a_visitor_in_chromium_opens_a_certificate_page_that_shows_the_learner_the_course_the_verdict_and_an_add_to_linkedin_link()
 {
    let chromium = chromium();
    let p = Platform::spawn(None).await;
    let instructor = signed_up(&p, "instructor").await;
    let course = publish_course(&p, &instructor).await;
    let student = signed_up(&p, "student").await;
    buy(&p, &student, &course.course_id).await;
    assert_enrolled(&p, &instructor, &student, &course.course_id).await;
    watch_and_complete(&p, &student, &course).await;
    let id = certificate(&p, &student, &course).await;
    let shown = json_of(
        send(reqwest::Client::new().get(p.url(&format!("/certificates/{id}")))).await,
        200,
    )
    .await;
    let open = |verdict: &'static str| {
        let mut node = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".to_owned()));
        node.arg(browser_dir().join("certificate.mjs"))
            .current_dir(browser_dir())
            .env("CHROMIUM", &chromium)
            .env(
                "CERTIFICATE_PAGE",
                p.raw_url(&format!("/certificates/{id}")),
            )
            .env("LEARNER_NAME", text(&shown, "/certificate/learnerName"))
            .env("COURSE_TITLE", text(&shown, "/certificate/courseTitle"))
            .env("ISSUER_NAME", "E2E Academy")
            .env("EXPECT_VERDICT", verdict);
        async move {
            let out = tokio::task::spawn_blocking(move || node.output())
                .await
                .expect("the node task")
                .expect("running node");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            println!("{stdout}");
            assert!(
                out.status.success(),
                "the certificate page ({verdict}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    open("valid").await;
    let admin = Actor::browser(test_support::ADMIN_EMAIL.to_owned());
    p.admin(&admin.client).await;
    let res = send(
        admin
            .post(&p.url(&format!("/certificates/{id}/revoke")))
            .json(&json!({ "reason": "issued in error" })),
    )
    .await;
    json_of(res, 200).await;
    open("revoked").await;
}

/// Single sign-on in Chromium through a real OpenID provider (npm `oidc-provider` on its own port, another
/// site than the platform's): the frontend's sign-in page offers it, the browser fills in its login and
/// consent pages, and the callback on the gateway sets the session cookies on the way back to the
/// frontend's `returnTo` page: the cross-site hops the flow-binding cookie (`Lax`) and the session's
/// (`Strict`) have to survive. Then an address that already has a password account: the frontend's page
/// says `LINK_REQUIRED`, and only the account's password links the identity and signs in.
#[tokio::test]
async fn a_person_in_chromium_signs_in_with_an_openid_provider_and_an_existing_account_is_linked_only_with_its_password()
 {
    let chromium = chromium();
    let site = Site::start();
    let port = closed_port();
    // The browser's name for the gateway: same site as the frontend, another than the provider's.
    let gateway = format!("http://localhost:{port}");
    let redirect = format!("{gateway}/api/v1/auth/sso/campus/callback");
    let provider = OidcProvider::start(
        &[OidcClient {
            client_id: "lms-campus",
            client_secret: "campus-secret",
            redirect_uri: &redirect,
            id_token_alg: "RS256",
        }],
        false,
    );
    let vars = [
        ("SSO_PROVIDERS", "campus"),
        ("SSO_REDIRECT_BASE_URL", gateway.as_str()),
        ("SSO_CAMPUS_NAME", "Campus ID"),
        ("SSO_CAMPUS_ISSUER", provider.issuer.as_str()),
        ("SSO_CAMPUS_CLIENT_ID", "lms-campus"),
        ("SSO_CAMPUS_CLIENT_SECRET", "campus-secret"),
        ("SSO_CAMPUS_TRUST_EMAIL", "true"),
        // Where auth-service sends the browser back to (`returnTo`, the error page): the frontend.
        ("CLIENT_URL", site.frontend.as_str()),
    ];
    let faults = Faults {
        auth_vars: vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        gateway_port: Some(port),
        ..Faults::default()
    };
    let p = Platform::spawn_for_with(&site.frontend, faults).await;
    site.gateway.set(gateway.clone()).expect("set once");

    let run = |scenario: &'static str, who: &OidcLogin, expect_name: &str| {
        let mut node = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".to_owned()));
        node.arg(browser_dir().join("sso.mjs"))
            .current_dir(browser_dir())
            .env("CHROMIUM", &chromium)
            .env("FRONTEND_URL", &site.frontend)
            .env("GATEWAY_URL", &gateway)
            .env("SSO_ISSUER", &provider.issuer)
            .env("SSO_PROVIDER", "campus")
            .env("SSO_PROVIDER_NAME", "Campus ID")
            .env("SSO_SCENARIO", scenario)
            .env("SSO_SUB", &who.sub)
            .env("SSO_EMAIL", &who.email)
            .env("SSO_NAME", &who.name)
            .env("SSO_PASSWORD", PASSWORD)
            .env("EXPECT_NAME", expect_name);
        async move {
            let out = tokio::task::spawn_blocking(move || node.output())
                .await
                .expect("the node task")
                .expect("running node");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            println!("{stdout}");
            assert!(
                out.status.success(),
                "single sign-on in the browser ({scenario}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };

    let newcomer = OidcLogin::new(&email("sso"), true);
    run("new", &newcomer, &newcomer.name).await;

    let existing = Actor::browser(email("sso-existing"));
    p.sign_up(&existing.client, "Pat Existing", &existing.email, "student")
        .await;
    let owner = OidcLogin::new(&existing.email, true);
    run("link", &owner, "Pat Existing").await;

    // The identity is the password account's: its own session lists it.
    let listed = json_of(send(existing.get(&p.url("/user/identities"))).await, 200).await;
    let identities = listed["identities"].as_array().expect("identities");
    assert_eq!(identities.len(), 1, "{listed}");
    assert_eq!(identities[0]["provider"], "campus");
    assert_eq!(identities[0]["issuer"], provider.issuer.as_str());
}
