//! Builds the HTTP server: prepares the Redis connection, binds the listener (port 0 in tests) and mounts the routes.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::Settings;
use crate::routes;

/// Largest JSON body a handler accepts.
const JSON_LIMIT_BYTES: usize = 10 * 1024;
/// How long in-flight requests get to finish after SIGINT/SIGTERM.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// State every handler can reach, registered once as `web::Data`.
#[derive(Clone)]
pub struct AppState {
    /// Shared, reconnecting Redis connection.
    pub redis: ConnectionManager,
}

impl AppState {
    /// Prepares a lazy Redis connection; Redis need not be up yet.
    pub fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let client = redis::Client::open(settings.redis_url.as_str())
            .context("REDIS_URL is not a valid Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let redis = ConnectionManager::new_lazy_with_config(client, config)
            .context("cannot create the Redis client")?;
        Ok(Self { redis })
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Prepares Redis and binds `HOST:PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = AppState::connect(&settings)?;
        let address = (settings.host.as_str(), settings.port);
        let listener = TcpListener::bind(address)
            .with_context(|| format!("cannot bind {}:{}", settings.host, settings.port))?;
        let port = listener
            .local_addr()
            .context("bound socket has no local address")?
            .port();
        let server = serve(listener, state)?;
        Ok(Self { port, server })
    }

    /// The port actually bound (useful when `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process receives SIGINT or SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(shared::http::request_context))
            .app_data(state.clone())
            .configure(|cfg| shared::http::configure_defaults(cfg, JSON_LIMIT_BYTES))
            .configure(routes::configure)
            .default_service(web::to(shared::http::not_found))
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .listen(listener)
    .context("cannot listen on the bound socket")?
    .run();
    Ok(server)
}
