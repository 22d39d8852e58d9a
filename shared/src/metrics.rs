//! Prometheus metrics: one recorder per process (the `metrics` facade, so any module records without
//! plumbing), the HTTP request families every server records in the request-context middleware, and the
//! `/metrics` handler. Labels are bounded: route patterns, never raw paths, user or course ids.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::OnceLock;
use std::thread::LocalKey;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::Method;
use metrics::{Counter, Gauge, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests served, by `method`, `route` (pattern) and `status` class (`2xx` …).
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Request latency in seconds, same labels as [`HTTP_REQUESTS`].
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Requests being served right now.
pub const HTTP_IN_FLIGHT: &str = "http_requests_in_flight";
/// MongoDB command latency in seconds, by `command` and `outcome`.
pub const STORE_DURATION: &str = "store_command_duration_seconds";
/// Latency buckets (seconds) for every `*_seconds` histogram: 0.5 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder on first call and returns its handle. Every server built through
/// `shared::http` calls it, so services in one test process share one registry.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Fails only for an empty bucket list, which LATENCY_BUCKETS is not.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "a metrics recorder was already installed; /metrics shows only this one"
            );
        }
        describe();
        // Without scrapes, histogram samples would pile up between renders.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the metrics upkeep thread");
        }
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests served, by method, route pattern and status class"
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency, by method, route pattern and status class"
    );
    metrics::describe_gauge!(HTTP_IN_FLIGHT, "HTTP requests being served");
    metrics::describe_histogram!(
        STORE_DURATION,
        metrics::Unit::Seconds,
        "MongoDB command latency, by command and outcome"
    );
    #[cfg(feature = "events")]
    crate::events::describe_metrics();
}

/// `GET /metrics`: the Prometheus text exposition of everything this process recorded.
pub async fn metrics_handler() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(install().render())
}

/// A method as a bounded label: the standard ones by name, anything else as `OTHER`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// A status as its class label (`2xx` …).
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Metric handles kept per thread, by a key of label values: a hot path then neither builds a label set nor
/// looks it up in the shared registry (together ~3,000 instructions per series touched).
pub type LocalHandles<K, H> = RefCell<HashMap<K, H, foldhash::fast::FixedState>>;

/// Runs `f` with the handle `cache` holds for `key`, made by `make` the first time this thread needs it.
pub fn with_handle<K: Hash + Eq, H>(
    cache: &'static LocalKey<LocalHandles<K, H>>,
    key: K,
    make: impl FnOnce() -> H,
    f: impl FnOnce(&H),
) {
    cache.with_borrow_mut(|handles| f(handles.entry(key).or_insert_with(make)));
}

/// A route's request count and latency series.
type RouteSeries = HashMap<String, (Counter, Histogram), foldhash::fast::FixedState>;

thread_local! {
    /// (method, status class) → route → its two series.
    static REQUEST_SERIES: LocalHandles<(&'static str, &'static str), RouteSeries> = RefCell::default();
    static IN_FLIGHT_GAUGE: Gauge = metrics::gauge!(HTTP_IN_FLIGHT);
}

/// Records one served request.
pub fn record_request(method: &'static str, route: &str, status: u16, elapsed: Duration) {
    let status = status_class(status);
    REQUEST_SERIES.with_borrow_mut(|by_class| {
        let by_route = by_class.entry((method, status)).or_default();
        if !by_route.contains_key(route) {
            let series = (
                metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.to_owned(), "status" => status),
                metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.to_owned(), "status" => status),
            );
            by_route.insert(route.to_owned(), series);
        }
        if let Some((count, latency)) = by_route.get(route) {
            count.increment(1);
            latency.record(elapsed.as_secs_f64());
        }
    });
}

/// Counts a request in flight until dropped.
pub struct InFlight;

impl InFlight {
    /// One more request in flight.
    pub fn start() -> Self {
        IN_FLIGHT_GAUGE.with(|g| g.increment(1.0));
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // A request may finish on another thread than it started on: the gauge is one series either way.
        IN_FLIGHT_GAUGE.with(|g| g.decrement(1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "OTHER"
        );
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(503), "5xx");
    }

    #[test]
    fn recorded_requests_render_as_histograms_with_their_labels() {
        let handle = install();
        record_request("GET", "/api/v1/things/{id}", 200, Duration::from_millis(3));
        record_request("GET", "/api/v1/things/{id}", 200, Duration::from_millis(4));
        let text = handle.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/v1/things/{id}",status="2xx"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/things/{id}",status="2xx",le="0.005"}"#),
            "{text}"
        );
    }
}
