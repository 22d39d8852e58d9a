//! A small real upstream for the route groups whose services are not under test here: it reports the
//! request it received (method, path, headers, body size, the gateway's connection port), serves a
//! 1,000-byte file with `Range` support, and has a route that answers too late. It closes connections
//! idle for `KEEP_ALIVE`, so tests meet kept-alive connections the service has already closed.

use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

/// How long the upstream keeps an idle connection open (actix's default is 5 s).
pub const KEEP_ALIVE: Duration = Duration::from_secs(1);

/// The 1,000 bytes served at `/api/v1/media/file.bin`: byte i is `i % 251`.
pub fn file_bytes() -> Vec<u8> {
    (0..1000u32).map(|i| (i % 251) as u8).collect()
}

pub struct Upstream {
    pub address: String,
}

impl Upstream {
    pub async fn spawn() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(|| {
            App::new()
                .route("/api/v1/media/file.bin", web::get().to(file))
                .route("/api/v1/courses/slow", web::get().to(slow))
                .default_service(web::to(report))
        })
        .workers(1)
        .keep_alive(KEEP_ALIVE)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            address: format!("http://127.0.0.1:{port}"),
        }
    }
}

async fn report(req: HttpRequest, mut body: web::Payload) -> HttpResponse {
    let mut size = 0usize;
    while let Some(chunk) = body.next().await {
        size += chunk.map(|c| c.len()).unwrap_or(0);
    }
    let headers: Map<String, Value> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::from(v.to_str().unwrap_or("?")),
            )
        })
        .collect();
    // The cookies as the service's actix-web reads them (percent-decoded, as services do).
    let cookies: Vec<Value> = req
        .cookies()
        .map(|c| c.iter().map(|c| json!([c.name(), c.value()])).collect())
        .unwrap_or_default();
    let peer_port = req.peer_addr().map(|a| a.port());
    HttpResponse::Ok()
        .insert_header(("access-control-allow-origin", "*"))
        // Also as a header, which survives a HEAD request.
        .insert_header(("x-peer-port", peer_port.unwrap_or(0).to_string()))
        .json(json!({
            "method": req.method().as_str(),
            "path": req.uri().to_string(),
            "headers": headers,
            "cookies": cookies,
            "bodyBytes": size,
            "peerPort": peer_port,
        }))
}

async fn slow() -> HttpResponse {
    tokio::time::sleep(Duration::from_secs(5)).await;
    HttpResponse::Ok().finish()
}

async fn file(req: HttpRequest) -> HttpResponse {
    let bytes = file_bytes();
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    match range {
        Some((start, end)) if start <= end && end < bytes.len() => HttpResponse::PartialContent()
            .insert_header((
                "content-range",
                format!("bytes {start}-{end}/{}", bytes.len()),
            ))
            .insert_header(("accept-ranges", "bytes"))
            .body(bytes[start..=end].to_vec()),
        _ => HttpResponse::Ok()
            .insert_header(("accept-ranges", "bytes"))
            .body(bytes),
    }
}
