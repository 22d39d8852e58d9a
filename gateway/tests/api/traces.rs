//! Traces that join up: a small OTLP/HTTP collector in the test decodes the exported protobuf spans and
//! shows one trace id across gateway → course-service → auth-service's internal call (course creation
//! looks the instructor up), and across an event
//! (auth-service's `user.deleted`, through its outbox and the Redis stream) and its consumer in
//! course-service.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{Options, PASSWORD, spawn_with};

/// One received span, reduced to what the assertions need.
#[derive(Debug, Clone)]
struct Span {
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    name: String,
    attributes: Vec<(String, String)>,
}

impl Span {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// An OTLP/HTTP collector on plain threads (the exporter posts from its own thread with a blocking client).
struct Collector {
    endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Collector {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let spans = Arc::new(Mutex::new(Vec::new()));
        let sink = spans.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || serve(stream, &sink));
            }
        });
        Self { endpoint, spans }
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }
}

/// Answers every request of one keep-alive connection, decoding each `/v1/traces` body.
fn serve(stream: TcpStream, sink: &Mutex<Vec<Span>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut len = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        assert!(
            request_line.starts_with("POST /v1/traces "),
            "{request_line}"
        );
        let export = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        let mut spans = sink.lock().unwrap();
        for resource in export.resource_spans {
            for scope in resource.scope_spans {
                spans.extend(scope.spans.into_iter().map(|s| {
                    Span {
                        trace_id: s.trace_id,
                        span_id: s.span_id,
                        parent_span_id: s.parent_span_id,
                        name: s.name,
                        attributes: s
                            .attributes
                            .into_iter()
                            .filter_map(|kv| match kv.value?.value? {
                                AnyValue::StringValue(v) => Some((kv.key, v)),
                                _ => None,
                            })
                            .collect(),
                    }
                }));
            }
        }
        drop(spans);
        writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
    }
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_spans_the_gateway_the_services_an_internal_call_and_an_event_with_its_consumer()
{
    // nextest runs each test in its own process, so this test owns the global subscriber and exporter.
    let collector = Collector::start();
    let telemetry = shared::telemetry::init_exporting_to("lms-test", false, &collector.endpoint);
    let stack = spawn_with(Options::default().with_course_service()).await;

    // Request: creating a course makes course-service look the instructor up at auth-service.
    let instructor = stack.token("instructor").await;
    let form = Form::new()
        .text("title", "Traced")
        .text("category", "Engineering")
        .text("price", "10")
        .part("thumbnail", Part::bytes(png()).file_name("thumb.png"));
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/courses"))
        .bearer_auth(&instructor)
        .header("x-request-id", "trace-creation")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Event: deleting an account publishes `user.deleted`, which course-service consumes.
    let student = stack.token("student").await;
    let res = stack
        .gateway
        .client
        .delete(stack.url("/api/v1/user/account"))
        .bearer_auth(&student)
        .header("x-request-id", "trace-deletion")
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let spans = loop {
        telemetry.flush();
        let spans = collector.spans();
        let consumed = spans
            .iter()
            .any(|s| s.name == "event" && s.attr("event.topic") == Some("user.deleted"));
        let looked_up = spans
            .iter()
            .any(|s| s.attr("http.route") == Some("/internal/users/batch"));
        if consumed && looked_up {
            break spans;
        }
        assert!(Instant::now() < deadline, "spans never arrived: {spans:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // The creation: the gateway's span is the root; course-service's is its child; auth-service's internal
    // lookup is in the same trace.
    let creation: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "request" && s.attr("request.id") == Some("trace-creation"))
        .collect();
    assert_eq!(
        creation.len(),
        2,
        "gateway and course-service: {creation:#?}"
    );
    let root = creation
        .iter()
        .find(|s| s.parent_span_id.is_empty())
        .expect("the gateway's span starts the trace");
    let course = creation
        .iter()
        .find(|s| s.parent_span_id == root.span_id)
        .expect("course-service's span is the gateway's child");
    let lookup = spans
        .iter()
        .find(|s| {
            s.attr("http.route") == Some("/internal/users/batch") && s.trace_id == root.trace_id
        })
        .expect("auth-service's internal lookup joins the trace");
    assert_eq!(course.trace_id, root.trace_id);
    assert_ne!(lookup.span_id, course.span_id);

    // The event: auth-service's request that produced it and course-service's consumer share a trace.
    let deletion = spans
        .iter()
        .find(|s| {
            s.name == "request"
                && s.attr("request.id") == Some("trace-deletion")
                && s.attr("http.route") == Some("/api/v1/user/account")
        })
        .expect("auth-service's deletion span");
    let consumer = spans
        .iter()
        .find(|s| s.name == "event" && s.attr("event.topic") == Some("user.deleted"))
        .unwrap();
    assert_eq!(
        consumer.trace_id, deletion.trace_id,
        "the consumer joins the producer's trace"
    );
    drop(telemetry);
}
