//! Process-wide tracing set-up: env-filtered logs (JSON in production, compact in development) and, with
//! the `otel` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` set, OpenTelemetry traces exported over OTLP/HTTP
//! with W3C `traceparent` propagation.

use tracing_subscriber::layer::{Layer, Layered, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Registry};

/// The variable that switches OTLP export on.
pub const OTLP_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

type Base = Layered<EnvFilter, Registry>;
type BoxedLayer = Box<dyn Layer<Base> + Send + Sync>;

/// Keeps telemetry alive; dropping it flushes and shuts down the trace exporter.
#[must_use = "dropping the guard immediately shuts down trace export"]
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Exports every finished span now (blocks until the collector answered or gave up).
    pub fn flush(&self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = &self.provider
            && let Err(e) = provider.force_flush()
        {
            tracing::warn!(error = %e, "flushing OpenTelemetry traces failed");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            // The subscriber may be gone at this point, so stderr is the only reliable channel.
            eprintln!("failed to flush OpenTelemetry traces: {e}");
        }
    }
}

/// Installs the global subscriber: `RUST_LOG` filter (default `info`), JSON or compact output, and the
/// OTLP layer when configured. Calling it again (tests) leaves the first subscriber in place.
pub fn init(service_name: &str, json: bool) -> TelemetryGuard {
    init_inner(service_name, json, None)
}

/// Like [`init`], exporting traces to the OTLP/HTTP collector at `endpoint` (a base URL; `/v1/traces` is
/// appended) whatever the environment says: for tests that receive the spans themselves.
#[cfg(feature = "otel")]
pub fn init_exporting_to(service_name: &str, json: bool, endpoint: &str) -> TelemetryGuard {
    init_inner(service_name, json, Some(endpoint))
}

fn init_inner(service_name: &str, json: bool, endpoint: Option<&str>) -> TelemetryGuard {
    #[cfg(not(feature = "otel"))]
    let _ = endpoint;
    #[cfg(feature = "actix")]
    crate::access_log::set_json(json);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt_layer: BoxedLayer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed()
    } else {
        // Colours only for a person at a terminal, never in files or CI logs.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(ansi)
            .boxed()
    };
    #[cfg(feature = "otel")]
    let (otel_layer, provider, otel_error) = match otel::layer(service_name, endpoint) {
        Ok(Some((layer, provider))) => (Some(layer), Some(provider), None),
        Ok(None) => (None, None, None),
        Err(e) => (None, None, Some(e)),
    };
    #[cfg(not(feature = "otel"))]
    let otel_layer: Option<BoxedLayer> = None;
    let layers: Vec<BoxedLayer> = std::iter::once(fmt_layer).chain(otel_layer).collect();
    if tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init()
        .is_err()
    {
        // Someone else's subscriber is active (a second call in tests); the unused exporter is dropped.
        return TelemetryGuard::default();
    }
    #[cfg(feature = "otel")]
    {
        if let Some(provider) = &provider {
            // For libraries that ask the global API for a tracer rather than going through `tracing`.
            opentelemetry::global::set_tracer_provider(provider.clone());
        }
        if let Some(e) = otel_error {
            tracing::warn!(error = %e, "OpenTelemetry export is disabled: could not build the OTLP exporter");
        }
    }
    tracing::debug!(service.name = service_name, "telemetry initialised");
    TelemetryGuard {
        #[cfg(feature = "otel")]
        provider,
    }
}

/// The W3C `traceparent` of the current span, for outgoing requests and events (`None` without `otel`
/// or when the span is not part of a trace).
pub fn traceparent_from_current_span() -> Option<String> {
    #[cfg(feature = "otel")]
    {
        otel::traceparent(&tracing::Span::current())
    }
    #[cfg(not(feature = "otel"))]
    {
        None
    }
}

/// Makes `span` a child of the remote span named by an incoming `traceparent` (no-op without `otel`; an
/// invalid value is ignored and the span starts a trace of its own).
pub fn set_parent_from_traceparent(span: &tracing::Span, traceparent: &str) {
    #[cfg(feature = "otel")]
    otel::set_parent(span, traceparent);
    #[cfg(not(feature = "otel"))]
    let _ = (span, traceparent);
}

#[cfg(feature = "otel")]
mod otel;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_twice_does_not_panic() {
        let first = init("test-service", true);
        let second = init("test-service", false);
        tracing::info!("still logging");
        drop(second);
        drop(first);
    }

    #[test]
    fn no_traceparent_outside_a_trace() {
        assert_eq!(traceparent_from_current_span(), None);
        set_parent_from_traceparent(
            &tracing::Span::none(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        );
    }
}
