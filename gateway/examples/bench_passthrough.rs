//! Benchmark reference: the thinnest proxy on the gateway's own stack (actix-web server, hyper HTTP/1.1
//! client connections kept per worker thread, mimalloc) — no identity, no limits, no header rules. It
//! shows how much of the gateway's cost per request is the framework and how much its features.
//!
//!     bench_passthrough <port> <upstream host:port>

use std::cell::RefCell;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, SendRequest};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A request without a body.
struct NoBody;

impl Body for NoBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(0)
    }
}

type Sender = SendRequest<NoBody>;

thread_local! {
    static IDLE: RefCell<Vec<Sender>> = const { RefCell::new(Vec::new()) };
}

/// The answer's body; the connection goes back to the idle list at its end.
struct Answer {
    body: Incoming,
    sender: Option<Sender>,
}

impl MessageBody for Answer {
    type Error = hyper::Error;

    fn size(&self) -> BodySize {
        self.body
            .size_hint()
            .exact()
            .map_or(BodySize::Stream, BodySize::Sized)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, hyper::Error>>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    if let Some(s) = this.sender.take() {
                        IDLE.with(|i| i.borrow_mut().push(s));
                    }
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

async fn checkout(upstream: &str) -> std::io::Result<Sender> {
    while let Some(mut s) = IDLE.with(|i| i.borrow_mut().pop()) {
        if s.ready().await.is_ok() {
            return Ok(s);
        }
    }
    let tcp = tokio::net::TcpStream::connect(upstream).await?;
    tcp.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .map_err(std::io::Error::other)?;
    actix_web::rt::spawn(conn);
    Ok(sender)
}

async fn forward(req: HttpRequest, upstream: &'static str) -> HttpResponse {
    let Ok(mut sender) = checkout(upstream).await else {
        return HttpResponse::BadGateway().finish();
    };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(request) = hyper::Request::builder()
        .uri(path)
        .header(hyper::header::HOST, upstream)
        .body(NoBody)
    else {
        return HttpResponse::BadRequest().finish();
    };
    let Ok(res) = sender.send_request(request).await else {
        return HttpResponse::BadGateway().finish();
    };
    let (parts, body) = res.into_parts();
    let mut answer = HttpResponse::build(
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
    );
    for (name, value) in &parts.headers {
        if name != hyper::header::CONTENT_LENGTH {
            answer.append_header((name.as_str(), value.as_bytes()));
        }
    }
    answer.body(Answer {
        body,
        sender: Some(sender),
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4901);
    let upstream: &'static str = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:4900".to_owned())
        .leak();
    HttpServer::new(move || {
        App::new().default_service(web::to(move |req: HttpRequest| forward(req, upstream)))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
