//! actix-web glue shared by every service: the request-context middleware (request ids, problem+json
//! negotiation, request metrics and the access-log line), `ApiError` as an actix response, extractor
//! error handlers that answer in the envelope, and the 404/405 fallbacks.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{ApiError, ErrorCode, FieldError};

mod allow;
pub use allow::{AllowTable, allow_value};

/// Header that carries the request id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Where a request went, set by a handler (as a request extension) when the route pattern alone does not
/// say: the gateway's proxied groups all match one catch-all pattern per group.
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel {
    /// A bounded route label, e.g. `/api/v1/courses/*`.
    pub route: &'static str,
    /// The service the request was forwarded to, or `-`.
    pub upstream: &'static str,
}

/// Request extension set by `shared::principal` when a bad `token` cookie was treated as anonymous: the
/// response then carries a `Set-Cookie` that clears it (the cookie is HttpOnly, the page cannot).
#[derive(Debug, Clone, Copy)]
pub struct ClearAccessCookie;

/// The `Set-Cookie` value that makes a browser drop the `token` cookie.
pub fn clear_access_cookie(https: bool) -> HeaderValue {
    HeaderValue::from_static(if https {
        "token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax"
    } else {
        "token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
    })
}

/// Whether a response already sets the `token` cookie (a sign-in or refresh): clearing it then would log
/// the caller out again.
pub fn sets_access_cookie(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get_all(header::SET_COOKIE)
        .any(|v| v.as_bytes().starts_with(b"token="))
}

/// What the error renderer needs to know about the request being served.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub wants_problem: bool,
}

tokio::task_local! {
    static REQUEST_CONTEXT: RequestContext;
}

/// The current request's id, when called while a request is being served.
pub fn current_request_id() -> Option<String> {
    REQUEST_CONTEXT.try_with(|c| c.request_id.clone()).ok()
}

/// Keeps a client's request id when it is short and plain, otherwise makes a new one.
pub fn accept_request_id(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 128
                && id.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
                }) =>
        {
            id.to_owned()
        }
        // Encoded directly: `to_string` goes through the formatting machinery on every request.
        _ => uuid::Uuid::new_v4()
            .hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer())
            .to_owned(),
    }
}

/// Middleware: assigns the request id, makes it visible to error rendering, echoes it on the response,
/// and turns actix's bare 405 answers into the envelope.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let _in_flight = crate::metrics::InFlight::start();
    let method_label = crate::metrics::method_label(req.method());
    let incoming = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok());
    let request_id = accept_request_id(incoming);
    let wants_problem = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/problem+json"));
    let ctx = RequestContext {
        request_id: request_id.clone(),
        wants_problem,
    };
    req.extensions_mut().insert(ctx.clone());

    // The route pattern, never the raw path: paths can carry secrets (`/reset-password/{token}`). Field
    // values are only evaluated when the span is enabled, so a quieter log level costs nothing here.
    let span = tracing::info_span!(
        "request",
        request.id = %request_id,
        http.method = %req.method(),
        http.route = %req.match_pattern().as_deref().unwrap_or("unmatched")
    );
    // Join the caller's trace (gateway → service, service → service) when it sent one.
    #[cfg(feature = "telemetry")]
    if let Some(parent) = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
    {
        crate::telemetry::set_parent_from_traceparent(&span, parent);
    }
    // A service without a table of its own still has its health routes.
    static HEALTH_ONLY: std::sync::LazyLock<AllowTable> = std::sync::LazyLock::new(AllowTable::new);
    let allow = match req.app_data::<web::Data<AllowTable>>() {
        Some(table) => table.allow(req.path()),
        None => HEALTH_ONLY.allow(req.path()),
    };
    let mut req = req;
    let method = req.method().clone();
    // OPTIONS without Origin is a question about the resource, not a CORS preflight (the gateway answers
    // those): 204 with the methods it has.
    if method == Method::OPTIONS
        && !req.headers().contains_key(header::ORIGIN)
        && let Some(allow) = &allow
    {
        let res = HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow.as_str()))
            .insert_header((
                HeaderName::from_static(REQUEST_ID_HEADER),
                request_id.as_str(),
            ))
            .finish();
        return Ok(req.into_response(res));
    }
    // HEAD wherever GET works: routed as GET; actix-http still sends no body, since its codec noted
    // the HEAD when it parsed the request.
    if method == Method::HEAD && allow.as_deref().is_some_and(|a| a.starts_with("GET")) {
        req.head_mut().method = Method::GET;
    }
    let res = REQUEST_CONTEXT
        .scope(ctx, async move {
            let res = next.call(req).await?.map_into_boxed_body();
            if res.status() == StatusCode::METHOD_NOT_ALLOWED
                && !res.headers().contains_key(header::CONTENT_TYPE)
            {
                let (req, _) = res.into_parts();
                let mut body = ApiError::new(ErrorCode::MethodNotAllowed, "Method not allowed")
                    .error_response();
                if let Some(allow) = allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
                    body.headers_mut().insert(header::ALLOW, allow);
                }
                return Ok(ServiceResponse::new(req, body));
            }
            Ok::<_, actix_web::Error>(res)
        })
        .instrument_span(span)
        .await;
    let mut res = res?;
    let clear_cookie = res.request().extensions().contains::<ClearAccessCookie>();
    if clear_cookie && !sets_access_cookie(res.headers()) {
        let https = res.request().connection_info().scheme() == "https";
        res.headers_mut()
            .append(header::SET_COOKIE, clear_access_cookie(https));
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    log_and_measure(&res, method_label, &request_id, started.elapsed());
    Ok(res)
}

/// The logging phase: request metrics and one access-log line (never a path, query, token or body).
fn log_and_measure(
    res: &ServiceResponse<BoxBody>,
    method: &'static str,
    request_id: &str,
    elapsed: std::time::Duration,
) {
    let label = res.request().extensions().get::<RouteLabel>().copied();
    // The gateway's groups are static strings; a service's pattern comes from its router.
    let pattern;
    let route = match label {
        Some(label) => label.route,
        None => {
            pattern = res.request().match_pattern();
            pattern.as_deref().unwrap_or("unmatched")
        }
    };
    let status = res.status().as_u16();
    if crate::access_log::enabled() {
        crate::access_log::write(&crate::access_log::AccessLine {
            method,
            route,
            status,
            elapsed,
            request_id,
            upstream: label.map_or("-", |l| l.upstream),
            bytes: match res.response().body().size() {
                actix_web::body::BodySize::Sized(n) => n,
                _ => 0,
            },
        });
    }
    crate::metrics::record_request(method, route, status, elapsed);
}

/// Small helper so the middleware can run inside a tracing span without pulling in `tracing-futures`.
trait InstrumentSpan: std::future::Future + Sized {
    fn instrument_span(self, span: tracing::Span) -> tracing::instrument::Instrumented<Self> {
        tracing::Instrument::instrument(self, span)
    }
}

impl<F: std::future::Future> InstrumentSpan for F {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let ctx = REQUEST_CONTEXT.try_with(Clone::clone).ok();
        let request_id = ctx.as_ref().map(|c| c.request_id.as_str());
        let mut builder = HttpResponse::build(self.status_code());
        if ctx.as_ref().is_some_and(|c| c.wants_problem) {
            builder
                .content_type("application/problem+json")
                .body(self.problem(request_id).to_string())
        } else {
            builder.json(self.body(request_id))
        }
    }
}

/// Fallback for unknown routes: 404 in the envelope.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("Route not found"))
}

/// JSON extractor settings: body limit and envelope errors (413 too large, 415 wrong type, 400 bad JSON).
pub fn json_config(limit_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit_bytes)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError as E;
            let api = match &err {
                E::Overflow { .. } | E::OverflowKnownLength { .. } => {
                    ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large")
                }
                E::ContentType => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "Content-Type must be application/json",
                ),
                E::Deserialize(e) => json_field_error(e),
                _ => ApiError::invalid_field("body", "Request body is not valid JSON"),
            };
            api.into()
        })
}

fn json_field_error(e: &serde_json::Error) -> ApiError {
    // serde's message names the field (`missing field `email``) without echoing the value.
    let message = e.to_string();
    let field = message.split('`').nth(1).unwrap_or("body").to_owned();
    let text = message
        .split(" at line")
        .next()
        .unwrap_or("invalid value")
        .to_owned();
    ApiError::invalid_field(&field, text)
}

/// Query-string extractor errors in the envelope.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::invalid_field("query", format!("Invalid query parameters: {err}")).into()
    })
}

/// Path extractor errors in the envelope.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::invalid_field("path", err.to_string()).into())
}

/// Registers the extractor configs and the 404 fallback on an app.
pub fn configure_defaults(cfg: &mut web::ServiceConfig, json_limit_bytes: usize) {
    cfg.app_data(json_config(json_limit_bytes))
        .app_data(query_config())
        .app_data(path_config());
}

/// A bound, not yet running HTTP server.
pub struct BoundServer {
    port: u16,
    server: actix_web::dev::Server,
    on_stop: Option<Box<dyn FnOnce() + Send>>,
    /// A second listener that lives as long as this one (the gateway's admin port).
    admin: Option<(u16, actix_web::dev::Server)>,
}

/// How long in-flight requests get to finish after SIGINT/SIGTERM.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// Where and how a [`BoundServer`] listens.
#[derive(Debug, Clone)]
pub struct Listen<'a> {
    pub host: &'a str,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Largest JSON body the `Json` extractor reads.
    pub json_limit_bytes: usize,
    /// Worker threads; `None` is one per core (actix's default).
    pub workers: Option<usize>,
    /// Serve `GET /metrics` on this port (services); the gateway serves it on its admin listener instead.
    pub metrics: bool,
}

/// The middleware of a service that needs none of its own: passes the request on.
async fn no_middleware(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    next.call(req).await
}

impl BoundServer {
    /// Binds `host:port` (port 0 picks a free one) and builds the app every service shares: request
    /// context, extractor defaults, the service's `routes` with `state` as `web::Data`, the 404 fallback.
    pub fn bind<S: Send + Sync + 'static>(
        host: &str,
        port: u16,
        state: web::Data<S>,
        json_limit_bytes: usize,
        routes: fn(&mut web::ServiceConfig),
    ) -> std::io::Result<Self> {
        Self::bind_with(host, port, json_limit_bytes, move |cfg| {
            cfg.app_data(state.clone()).configure(routes);
        })
    }

    /// Like [`BoundServer::bind`], for services whose app needs more than one piece of app data (e.g. a
    /// `web::Data<Verifier>` for `shared::principal`): `configure` registers the data and the routes.
    pub fn bind_with<F>(
        host: &str,
        port: u16,
        json_limit_bytes: usize,
        configure: F,
    ) -> std::io::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let listen = Listen {
            host,
            port,
            json_limit_bytes,
            workers: None,
            metrics: true,
        };
        Self::bind_with_middleware(&listen, no_middleware, configure)
    }

    /// The same app with a service's own `middleware` (an `actix_web::middleware::from_fn` function) inside
    /// the request context, so it sees the request id, and around the routes and the 404; plus the worker
    /// count of `listen`. The gateway's CORS and security headers are such a middleware.
    pub fn bind_with_middleware<F, M, Fut, B>(
        listen: &Listen<'_>,
        middleware: M,
        configure: F,
    ) -> std::io::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
        M: Fn(ServiceRequest, Next<BoxBody>) -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + 'static,
        B: MessageBody + 'static,
    {
        let listener = std::net::TcpListener::bind((listen.host, listen.port))?;
        let port = listener.local_addr()?.port();
        crate::metrics::install();
        let json_limit_bytes = listen.json_limit_bytes;
        let metrics = listen.metrics;
        let mut server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .wrap(actix_web::middleware::from_fn(middleware.clone()))
                .wrap(actix_web::middleware::from_fn(request_context))
                .configure(|cfg| configure_defaults(cfg, json_limit_bytes))
                .configure(|cfg| {
                    if metrics {
                        cfg.route("/metrics", web::get().to(crate::metrics::metrics_handler));
                    }
                })
                .configure(configure.clone())
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS);
        if let Some(workers) = listen.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.listen(listener)?.run(),
            on_stop: None,
            admin: None,
        })
    }

    /// Runs `f` once the server has stopped (stops a service's background tasks with it).
    pub fn on_stop(mut self, f: impl FnOnce() + Send + 'static) -> Self {
        self.on_stop = Some(Box::new(f));
        self
    }

    /// Serves `server` (bound on `port`) alongside, stopping it when this server stops.
    pub fn with_admin(mut self, port: u16, server: actix_web::dev::Server) -> Self {
        self.admin = Some((port, server));
        self
    }

    /// The admin listener's port, when there is one.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin.as_ref().map(|(port, _)| *port)
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let admin = self.admin.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        if let Some(admin) = admin {
            admin.stop(true).await;
        }
        if let Some(on_stop) = self.on_stop {
            on_stop();
        }
        result
    }
}

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// How long one dependency may take to answer a readiness probe.
pub const READINESS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// One named readiness probe: a future that pings a dependency.
pub type Probe<'a> = (
    &'static str,
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + 'a>>,
);

/// `GET /readyz` body: runs the probes at once, each bounded by [`READINESS_TIMEOUT`]; 200
/// `{ status: "ready", checks: { name: "ok" } }`, or 503 naming each failing check `error` or `timeout`.
pub async fn readiness(probes: Vec<Probe<'_>>) -> HttpResponse {
    let results =
        futures_util::future::join_all(probes.into_iter().map(|(name, probe)| async move {
            let verdict = match tokio::time::timeout(READINESS_TIMEOUT, probe).await {
                Ok(Ok(())) => "ok",
                Ok(Err(error)) => {
                    tracing::warn!(check = name, %error, "readiness check failed");
                    "error"
                }
                Err(_) => {
                    tracing::warn!(
                        check = name,
                        timeout_ms = READINESS_TIMEOUT.as_millis(),
                        "readiness check timed out"
                    );
                    "timeout"
                }
            };
            (name, verdict)
        }))
        .await;
    let ready = results.iter().all(|(_, verdict)| *verdict == "ok");
    let checks: serde_json::Map<String, serde_json::Value> = results
        .into_iter()
        .map(|(name, verdict)| (name.to_owned(), verdict.into()))
        .collect();
    let body = serde_json::json!({ "status": if ready { "ready" } else { "unavailable" }, "checks": checks });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Reads a whole (small) request body up to `limit_bytes`: 413 beyond it, 400 when the stream breaks. For
/// handlers whose body is optional or not always JSON, where the `Json` extractor does not fit.
pub async fn read_body(payload: web::Payload, limit_bytes: usize) -> Result<web::Bytes, ApiError> {
    payload
        .to_bytes_limited(limit_bytes)
        .await
        .map_err(|_| ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large"))?
        .map_err(|e| {
            ApiError::invalid_field("body", format!("Could not read the request body: {e}"))
        })
}

/// Bearer token from `Authorization`, if present.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    // Checked as bytes: `HeaderValue::to_str` walks a 400-byte token one byte at a time, on every request.
    let value = req.headers().get(header::AUTHORIZATION)?.as_bytes();
    let space = value.iter().position(|&b| b == b' ')?;
    let (scheme, token) = (&value[..space], &value[space + 1..]);
    if !scheme.eq_ignore_ascii_case(b"bearer") || !token.is_ascii() {
        return None;
    }
    let token = std::str::from_utf8(token).ok()?.trim();
    // A control character cannot be part of a valid token: verification refuses it.
    (!token.is_empty()).then(|| token.to_owned())
}

/// Validation error list helper for handlers that collect several problems.
pub fn field(field: &str, message: &str) -> FieldError {
    FieldError::new(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test as atest, web};

    #[actix_web::test]
    async fn readiness_names_each_failing_check() {
        let ok: Probe<'_> = ("mongodb", Box::pin(async { Ok(()) }));
        let bad: Probe<'_> = ("redis", Box::pin(async { Err("refused".to_owned()) }));
        let slow: Probe<'_> = (
            "smtp",
            Box::pin(async {
                tokio::time::sleep(READINESS_TIMEOUT * 3).await;
                Ok(())
            }),
        );
        let res = readiness(vec![ok, bad, slow]).await;
        assert_eq!(res.status(), 503);
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["checks"],
            serde_json::json!({ "mongodb": "ok", "redis": "error", "smtp": "timeout" })
        );
        let ok: Probe<'_> = ("mongodb", Box::pin(async { Ok(()) }));
        assert_eq!(readiness(vec![ok]).await.status(), 200);
    }

    #[test]
    fn request_ids_are_kept_only_when_plain() {
        assert_eq!(accept_request_id(Some("abc-123")), "abc-123");
        assert_ne!(accept_request_id(Some("bad id\n")), "bad id\n");
        assert_eq!(accept_request_id(None).len(), 36);
        assert_ne!(accept_request_id(Some(&"x".repeat(200))).len(), 200);
    }

    #[actix_web::test]
    async fn allow_head_and_options_follow_the_routes_table() {
        let table = AllowTable::new().route("/x", &[Method::GET, Method::PATCH]);
        let app = atest::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .app_data(web::Data::new(table))
                .service(
                    web::resource("/x")
                        .route(web::get().to(|| async { HttpResponse::Ok().body("hello") }))
                        .route(web::patch().to(HttpResponse::NoContent)),
                )
                .default_service(web::to(not_found)),
        )
        .await;
        let req = atest::TestRequest::delete().uri("/x").to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 405);
        assert_eq!(
            res.headers().get("allow").unwrap(),
            "GET, HEAD, PATCH, OPTIONS"
        );
        let body: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(body["error"], "METHOD_NOT_ALLOWED");

        let req = atest::TestRequest::default()
            .method(Method::HEAD)
            .uri("/x")
            .to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 200, "HEAD where GET works");

        let req = atest::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/x")
            .to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 204);
        assert_eq!(
            res.headers().get("allow").unwrap(),
            "GET, HEAD, PATCH, OPTIONS"
        );
        assert!(res.headers().contains_key("x-request-id"));

        // A preflight is not answered here (the gateway's CORS layer does that).
        let req = atest::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/x")
            .insert_header(("origin", "http://localhost:5173"))
            .to_request();
        assert_eq!(atest::call_service(&app, req).await.status(), 405);

        let req = atest::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/nowhere")
            .to_request();
        assert_eq!(atest::call_service(&app, req).await.status(), 404);
    }

    #[actix_web::test]
    async fn a_marked_request_clears_the_access_cookie_unless_the_answer_sets_one() {
        async fn marked(req: HttpRequest) -> HttpResponse {
            req.extensions_mut().insert(ClearAccessCookie);
            HttpResponse::Ok().finish()
        }
        async fn marked_but_signed_in(req: HttpRequest) -> HttpResponse {
            req.extensions_mut().insert(ClearAccessCookie);
            HttpResponse::Ok()
                .insert_header((header::SET_COOKIE, "token=fresh; Path=/; HttpOnly"))
                .finish()
        }
        let app = atest::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .route("/a", web::get().to(marked))
                .route("/b", web::get().to(marked_but_signed_in)),
        )
        .await;
        let res = atest::call_service(&app, atest::TestRequest::get().uri("/a").to_request()).await;
        let cookies: Vec<_> = res.headers().get_all(header::SET_COOKIE).collect();
        assert_eq!(cookies.len(), 1);
        assert!(
            cookies[0]
                .to_str()
                .unwrap()
                .starts_with("token=; Path=/; Max-Age=0")
        );
        let res = atest::call_service(&app, atest::TestRequest::get().uri("/b").to_request()).await;
        let cookies: Vec<_> = res.headers().get_all(header::SET_COOKIE).collect();
        assert_eq!(cookies.len(), 1);
        assert_eq!(cookies[0], "token=fresh; Path=/; HttpOnly");
    }

    async fn fails() -> Result<HttpResponse, ApiError> {
        Err(ApiError::forbidden("nope"))
    }

    #[actix_web::test]
    async fn errors_carry_the_request_id_and_negotiate_problem_json() {
        let app = atest::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .service(web::resource("/x").route(web::get().to(fails)))
                .default_service(web::to(not_found)),
        )
        .await;
        let req = atest::TestRequest::get()
            .uri("/x")
            .insert_header(("x-request-id", "rid-1"))
            .to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers().get("x-request-id").unwrap(), "rid-1");
        let body: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(body["requestId"], "rid-1");
        assert_eq!(body["error"], "FORBIDDEN");

        let req = atest::TestRequest::get()
            .uri("/x")
            .insert_header(("accept", "application/problem+json"))
            .to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );

        let req = atest::TestRequest::post().uri("/x").to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 405);
        let body: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(body["error"], "METHOD_NOT_ALLOWED");

        let req = atest::TestRequest::get().uri("/nowhere").to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 404);
    }
}
