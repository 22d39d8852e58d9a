//! The remote JWKS cache against a tiny local server whose key set can be switched.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

use super::{TestKey, claims, config};
use crate::jwks::{JwkSet, JwksOptions, TokenError, Verifier};

/// A JWKS server whose key set the test can switch, counting fetches.
pub(super) struct JwksServer {
    pub(super) url: String,
    pub(super) keys: web::Data<Mutex<JwkSet>>,
    fetches: web::Data<AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
}

async fn serve_jwks(
    keys: web::Data<Mutex<JwkSet>>,
    fetches: web::Data<AtomicUsize>,
) -> HttpResponse {
    fetches.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(&*keys.lock().unwrap())
}

pub(super) fn start_jwks_server(initial: JwkSet) -> JwksServer {
    let keys = web::Data::new(Mutex::new(initial));
    let fetches = web::Data::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let (k, f) = (keys.clone(), fetches.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(k.clone())
            .app_data(f.clone())
            .route("/jwks.json", web::get().to(serve_jwks))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    JwksServer {
        url,
        keys,
        fetches,
        handle,
    }
}

#[actix_web::test]
async fn a_remote_jwks_is_refetched_on_unknown_kid_throttled_and_kept_when_down() {
    let a = TestKey::new("a");
    let b = TestKey::new("b");
    let server = start_jwks_server(JwkSet {
        keys: vec![a.jwk()],
    });
    let throttle = Duration::from_millis(400);
    let options = JwksOptions {
        refresh_interval: Duration::from_secs(3600),
        min_refetch_interval: throttle,
        http_timeout: Duration::from_secs(2),
    };
    let verifier = Verifier::from_jwks_url(&server.url, config(), options)
        .await
        .unwrap();
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1, "initial fetch");
    assert!(verifier.verify(&a.sign(&claims())).await.is_ok());

    // Rotation: key b appears; the first token naming it triggers one refetch.
    server.keys.lock().unwrap().keys.push(b.jwk());
    tokio::time::sleep(throttle).await;
    assert!(verifier.verify(&b.sign(&claims())).await.is_ok());
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);

    // Throttled: right after a fetch, unknown kids do not hit the server.
    let c = TestKey::new("c");
    assert_eq!(
        verifier.verify(&c.sign(&claims())).await,
        Err(TokenError::UnknownKey)
    );
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);

    // Concurrent unknown kids after the window share one fetch.
    tokio::time::sleep(throttle).await;
    let token = c.sign(&claims());
    let (r1, r2, r3, r4) = tokio::join!(
        verifier.verify(&token),
        verifier.verify(&token),
        verifier.verify(&token),
        verifier.verify(&token)
    );
    assert!(
        [r1, r2, r3, r4]
            .iter()
            .all(|r| *r == Err(TokenError::UnknownKey))
    );
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);

    // auth-service down: cached keys keep working, unknown kids still fail cleanly.
    server.handle.stop(true).await;
    tokio::time::sleep(throttle).await;
    assert_eq!(
        verifier.verify(&c.sign(&claims())).await,
        Err(TokenError::UnknownKey)
    );
    assert!(verifier.verify(&a.sign(&claims())).await.is_ok());
    assert!(verifier.verify(&b.sign(&claims())).await.is_ok());
}

#[actix_web::test]
async fn a_verifier_whose_jwks_is_unreachable_starts_empty() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let options = JwksOptions {
        http_timeout: Duration::from_secs(1),
        ..JwksOptions::default()
    };
    let verifier = Verifier::from_jwks_url(url, config(), options)
        .await
        .unwrap();
    let key = TestKey::new("k1");
    assert_eq!(
        verifier.verify(&key.sign(&claims())).await,
        Err(TokenError::KeysUnavailable)
    );
}

#[actix_web::test]
async fn a_verifier_started_before_its_jwks_server_picks_the_keys_up_within_seconds() {
    // The gateway often starts before auth-service answers. With the default 30 s throttle and 5 min
    // refresh, that used to refuse every token for up to 30 s; an empty cache is retried every second.
    let key = TestKey::new("late");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/jwks.json");
    drop(listener);
    let verifier = Verifier::from_jwks_url(&url, config(), JwksOptions::default())
        .await
        .unwrap();
    let token = key.sign(&claims());
    assert_eq!(
        verifier.verify(&token).await,
        Err(TokenError::KeysUnavailable)
    );
    // The JWKS server comes up on the same address a moment later.
    let keys = web::Data::new(Mutex::new(JwkSet {
        keys: vec![key.jwk()],
    }));
    let fetches = web::Data::new(AtomicUsize::new(0));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(keys.clone())
            .app_data(fetches.clone())
            .route("/jwks.json", web::get().to(serve_jwks))
    })
    .workers(1)
    .bind(addr)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let mut accepted = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if verifier.verify(&token).await.is_ok() {
            accepted = true;
            break;
        }
    }
    handle.stop(true).await;
    assert!(accepted, "the keys were not picked up within 6 s");
}
