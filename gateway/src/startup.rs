//! Builds the gateway: the services' endpoints, the HTTP client for its own calls, the verifier, the
//! revocation listener, the limiter, and the HTTP server (`shared::http::BoundServer`, as every service)
//! with its edge middleware (CORS and security headers) inside the shared request context.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use anyhow::Context;
use shared::http::{BoundServer, Listen, not_found};
use shared::jwks::{JwksOptions, Verifier, VerifierConfig};

use crate::config::Settings;
use crate::docs::DocsCache;
use crate::edge::edge;
use crate::identity::{ApiKeyCache, AuthClient, KeyCacheSettings};
use crate::proxy::pool::PoolSettings;
use crate::rate_limit::{PerIpLimiter, RateLimiter};
use crate::revocation::Revocations;
use crate::routes;
use crate::state::{AppState, Endpoints};

/// An idle connection to a service older than this is closed rather than reused.
const UPSTREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept per service and worker (a burst beyond opens more, closed after use).
const UPSTREAM_MAX_IDLE: usize = 256;

/// How often idle rate-limit buckets and stale API keys (known and unknown) are forgotten.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// Builds the state (Redis and the JWKS may still be down: both are retried) and binds `HOST:PORT`
/// through the shared skeleton, with the gateway's edge middleware (CORS, security headers).
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let state = web::Data::new(state(settings).await?);
    spawn_pruning(Arc::downgrade(&state.clone().into_inner()));
    let s = &settings.service;
    let listen = Listen {
        host: &s.host,
        port: s.port,
        json_limit_bytes: settings.body_limits.json,
        workers: settings.workers,
        metrics: false,
    };
    let server = BoundServer::bind_with_middleware(&listen, edge, move |cfg| {
        cfg.app_data(state.clone()).configure(routes::configure);
    })
    .with_context(|| format!("cannot bind {}:{}", s.host, s.port))?;
    let (admin_port, admin) = admin_server(&s.host, settings.admin_port)?;
    Ok(server.with_admin(admin_port, admin))
}

/// The admin listener: `/metrics` (and `/healthz`) on their own port, so the public port never serves them.
fn admin_server(host: &str, port: u16) -> anyhow::Result<(u16, actix_web::dev::Server)> {
    shared::metrics::install();
    crate::metrics::describe();
    let listener = std::net::TcpListener::bind((host, port))
        .with_context(|| format!("cannot bind the admin port {host}:{port} (ADMIN_PORT)"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(|| {
        App::new()
            .route("/metrics", web::get().to(shared::metrics::metrics_handler))
            .route("/healthz", web::get().to(shared::http::healthz))
            .default_service(web::to(not_found))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    Ok((port, server))
}

async fn state(settings: &Settings) -> anyhow::Result<AppState> {
    let s = &settings.service;
    let redis = shared::redis_handle::RedisHandle::open(&s.redis)
        .context("REDIS_URL (or REDIS_SENTINELS) is not valid")?;
    // Every call of the gateway's own (refresh, API keys, health, docs) is bounded as a whole, body
    // included; the JWKS client gets the same bound below.
    let http = reqwest::Client::builder()
        .connect_timeout(settings.timeouts.connect)
        .timeout(settings.timeouts.internal)
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .context("building the HTTP client")?;
    let verifier = Verifier::from_jwks_url(
        settings.jwks_url.clone(),
        VerifierConfig {
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway_secs: settings.jwt_leeway_secs,
        },
        JwksOptions {
            http_timeout: settings.timeouts.internal,
            ..JwksOptions::default()
        },
    )
    .await
    .context("building the JWKS client")?;
    let revocations = Revocations::new(redis.clone(), &s.redis_prefix);
    revocations.spawn_listener();
    let api_keys = ApiKeyCache::new(
        &KeyCacheSettings {
            ttl: settings.api_key_cache,
            negative_ttl: settings.api_key_negative_cache,
            lookups: settings.rate_limits.api_key_lookups,
        },
        &revocations,
    );
    let limiter = RateLimiter::new(
        settings.rate_limits.clone(),
        settings.rate_limits.use_redis.then(|| redis.clone()),
        &s.redis_prefix,
    );
    let endpoints = Endpoints::parse(
        &settings.upstreams,
        PoolSettings {
            connect_timeout: settings.timeouts.connect,
            idle_timeout: UPSTREAM_IDLE_TIMEOUT,
            max_idle: UPSTREAM_MAX_IDLE,
        },
    )?;
    Ok(AppState {
        endpoints,
        auth: AuthClient::new(
            http.clone(),
            &settings.upstreams.auth,
            &s.internal_api_token,
        ),
        docs: DocsCache::default(),
        http,
        verifier,
        revocations,
        api_keys,
        limiter,
        per_ip: PerIpLimiter::new(settings.rate_limits.per_ip),
        redis,
        settings: settings.clone(),
        started: Instant::now(),
    })
}

fn spawn_pruning(state: std::sync::Weak<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PRUNE_INTERVAL);
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { return };
            state.limiter.prune();
            state.per_ip.prune();
            state.api_keys.prune();
        }
    });
}
