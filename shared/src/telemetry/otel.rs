//! The OpenTelemetry half of telemetry: the OTLP/HTTP exporter and `traceparent` in and out.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::Layer as _;

use super::{BoxedLayer, OTLP_ENDPOINT_VAR};

const TRACEPARENT: &str = "traceparent";

/// Sets the W3C propagator; returns the OTLP layer and its provider, or `None` without an endpoint.
pub(super) fn layer(
    service_name: &str,
    endpoint: Option<&str>,
) -> Result<Option<(BoxedLayer, SdkTracerProvider)>, String> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    if endpoint.is_none()
        && std::env::var(OTLP_ENDPOINT_VAR)
            .unwrap_or_default()
            .trim()
            .is_empty()
    {
        return Ok(None);
    }
    let traces = endpoint.map(|base| format!("{}/v1/traces", base.trim_end_matches('/')));
    let provider = provider(service_name, traces.as_deref())?;
    let tracer = provider.tracer(service_name.to_owned());
    Ok(Some((
        tracing_opentelemetry::layer().with_tracer(tracer).boxed(),
        provider,
    )))
}

/// A provider exporting batches to `endpoint`, or where `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` says when
/// `None` (the builder reads those variables itself).
fn provider(service_name: &str, endpoint: Option<&str>) -> Result<SdkTracerProvider, String> {
    // The batch processor exports from its own OS thread, where the async reqwest client panics for want
    // of a Tokio reactor; the blocking client brings its own. It is built on a plain thread because
    // building it inside an async context panics.
    let client = std::thread::spawn(|| {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
    })
    .join()
    .map_err(|_| "the thread building the OTLP HTTP client panicked".to_owned())?
    .map_err(|e| format!("could not build the OTLP HTTP client: {e}"))?;
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(client);
    if let Some(endpoint) = endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let exporter = builder.build().map_err(|e| e.to_string())?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .build())
}

/// The `traceparent` of `span`, if it belongs to a trace.
pub(super) fn traceparent(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let mut carrier = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut carrier));
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the remote span in `traceparent`; an invalid value starts a new trace.
pub(super) fn set_parent(span: &tracing::Span, traceparent: &str) {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&carrier));
    // Fails only when no OpenTelemetry layer is installed, in which case there is nothing to link.
    let _ = span.set_parent(cx);
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};

    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    #[test]
    fn an_incoming_traceparent_becomes_the_parent_of_outgoing_ones() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            let span = tracing::info_span!("request");
            set_parent(&span, incoming);
            let outgoing = span
                .in_scope(crate::telemetry::traceparent_from_current_span)
                .unwrap();
            assert!(
                outgoing.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{outgoing}"
            );
            assert!(
                !outgoing.contains("00f067aa0ba902b7"),
                "a new span id, not the caller's"
            );
            // Garbage is ignored rather than trusted.
            let other = tracing::info_span!("other");
            set_parent(&other, "not-a-traceparent");
            let fresh = other
                .in_scope(crate::telemetry::traceparent_from_current_span)
                .unwrap();
            assert!(!fresh.contains("4bf92f3577b34da6a3ce929d0e0e4736"));
        });
    }

    /// Accepts one HTTP request on a plain thread (so it answers even while the test thread blocks in
    /// `shutdown`) and reports its request line and body size.
    fn one_shot_collector() -> (String, std::sync::mpsc::Receiver<(String, usize)>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut len = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            tx.send((request_line, body.len())).unwrap();
        });
        (url, rx)
    }

    #[tokio::test]
    async fn spans_are_exported_over_otlp_http_even_from_inside_a_runtime() {
        let (url, received) = one_shot_collector();
        let provider = provider("test-service", Some(&url)).unwrap();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            tracing::info_span!("work").in_scope(|| tracing::info!("inside a span"));
        });
        // Flushing from a runtime thread is what a guard dropped at the end of `main` does.
        provider.shutdown().unwrap();
        let (request_line, body_len) = received.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            request_line.starts_with("POST /v1/traces "),
            "{request_line}"
        );
        assert!(body_len > 0);
    }
}
