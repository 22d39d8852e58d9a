//! Benchmark upstream: answers every request with the same 1 KB JSON document, as fast as it can.
//!
//!     bench_upstream <port> [workers]

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4900);
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(1);
    let items: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"id":{i:02},"title":"Lecture number {i:02}","done":false}}"#))
        .collect();
    let mut body = format!(r#"{{"success":true,"items":[{}]"#, items.join(","));
    body.push_str(&" ".repeat(1023usize.saturating_sub(body.len())));
    body.push('}');
    let body = web::Bytes::from(body);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
