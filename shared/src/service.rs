//! The service kit: what every MongoDB service's `startup.rs` used to wire by hand, declared once. A
//! service connects its database and Redis (both lazily), names its start-up work (its indexes, and in
//! auth-service the signing key and admin too), its outbox, its event consumers and background tasks, its
//! app data and routes; the kit spawns the tasks, mounts `/healthz` and `/readyz` and binds a
//! [`BoundServer`] whose stop ends every task through one shutdown channel.
//!
//! Readiness is the same for all: `/readyz` names `mongodb` until it answers a ping *and* the start-up work
//! is done (a reachable database without its unique indexes would let duplicates in), and `redis` until it
//! answers a `PING`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::redis_handle::RedisHandle;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use mongodb::Database;
use tokio::sync::{Notify, watch};

use crate::config::{ApiSettings, MongoSettings, ServiceSettings};
use crate::error::{ApiError, ErrorCode};
use crate::events::{Consumer, ConsumerConfig, Publisher, RawEvent};
use crate::http::{BoundServer, Listen};
use crate::internal_auth::ServiceToken;
use crate::jwks::{JwksOptions, Verifier, VerifierConfig};
use crate::outbox::OutboxStore;
use crate::stores::{MONGODB_CHECK, mongo_probe, redis_probe};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// A background task: runs until the shutdown flag turns true.
type Task = Box<dyn FnOnce(watch::Receiver<bool>) -> BoxFuture + Send>;
/// One attempt at a piece of start-up work, its failure already formatted with its causes.
type Attempt =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;
/// Starts a connected consumer as a task.
type StartConsumer = Box<dyn FnOnce(Consumer) -> Task + Send>;
type Configure = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Clock skew tolerated on a token's `exp`, the same in every service.
const LEEWAY_SECS: u64 = 5;

/// Why a service could not be assembled. Each names what to fix; an unreachable server is never one of
/// them (stores are lazy, `/readyz` reports it).
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error("MONGO_URI is not a valid MongoDB connection string")]
    MongoUri(#[source] mongodb::error::Error),
    #[error("REDIS_URL is not a valid Redis URL")]
    RedisUrl(#[source] redis::RedisError),
    #[error("building the JWKS client")]
    Jwks(#[source] reqwest::Error),
    #[error("preparing the event consumer of group {group}")]
    Consumer {
        group: String,
        #[source]
        source: crate::events::EventError,
    },
    #[error("cannot bind {host}:{port}")]
    Bind {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// Whether the start-up work is done; shared with a service that must know it too (auth-service's state).
pub type StartupDone = Arc<AtomicBool>;

/// What the kit's `/readyz` and start-up gate read, registered as `web::Data<Readiness>`.
struct Readiness {
    db: Database,
    redis: RedisHandle,
    started: StartupDone,
    /// Named in the log while `mongodb` is held back for it.
    work: &'static str,
}

/// A service being assembled; see the module docs. Built by [`ServiceKit::connect`], finished by
/// [`ServiceKit::bind`].
pub struct ServiceKit {
    name: &'static str,
    service: ServiceSettings,
    json_limit_bytes: usize,
    db: Database,
    redis: RedisHandle,
    started: StartupDone,
    startup: Vec<(&'static str, Attempt)>,
    after_startup: Vec<Task>,
    tasks: Vec<Task>,
    consumers: Vec<(ConsumerConfig, StartConsumer)>,
    jwks: Option<(String, VerifierConfig)>,
    configure: Vec<Configure>,
    refuse_until_started: bool,
}

impl ServiceKit {
    /// The service `name` with its database (`MONGO_URI`, `MONGO_DB`) and Redis (`REDIS_URL`), both
    /// connected lazily: a malformed URL fails here, an unreachable server only in `/readyz`.
    pub async fn connect(
        name: &'static str,
        service: &ServiceSettings,
        mongo: &MongoSettings,
        json_limit_bytes: usize,
    ) -> Result<Self, KitError> {
        let db = crate::stores::mongo_database(&mongo.uri, &mongo.db, name)
            .await
            .map_err(KitError::MongoUri)?;
        let redis = RedisHandle::open(&service.redis).map_err(KitError::RedisUrl)?;
        Ok(Self {
            name,
            service: service.clone(),
            json_limit_bytes,
            db,
            redis,
            started: Arc::default(),
            startup: Vec::new(),
            after_startup: Vec::new(),
            tasks: Vec::new(),
            consumers: Vec::new(),
            jwks: None,
            configure: Vec::new(),
            refuse_until_started: false,
        })
    }

    /// [`connect`](Self::connect) for a service behind the gateway: JSON bodies limited and access tokens
    /// verified as its [`ApiSettings`] say.
    pub async fn connect_api(
        name: &'static str,
        service: &ServiceSettings,
        mongo: &MongoSettings,
        api: &ApiSettings,
    ) -> Result<Self, KitError> {
        Ok(Self::connect(name, service, mongo, api.json_limit_bytes)
            .await?
            .jwks(api))
    }

    /// The service's database handle (for its `Store`).
    pub fn db(&self) -> Database {
        self.db.clone()
    }

    /// The shared reconnecting Redis connection.
    pub fn redis(&self) -> RedisHandle {
        self.redis.clone()
    }

    /// The flag the kit sets once every piece of start-up work is done.
    pub fn startup_done(&self) -> StartupDone {
        self.started.clone()
    }

    /// Work that needs MongoDB before the service is useful (indexes first of all): retried every 2 s
    /// until it succeeds (`shared::background`), in the order declared; `/readyz` names `mongodb` until
    /// all of it is done. `work` gets a clone of `on` for each attempt.
    pub fn startup<T, F, Fut, E>(mut self, what: &'static str, on: T, work: F) -> Self
    where
        T: Clone + Send + Sync + 'static,
        F: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let attempt: Attempt = Box::new(move || {
            let attempt = work(on.clone());
            Box::pin(async move { attempt.await.map_err(|e| format!("{e:#}")) })
        });
        self.startup.push((what, attempt));
        self
    }

    /// Until the start-up work is done, every route but `/healthz`, `/readyz` and `/metrics` answers 503
    /// (retry shortly): for a service that cannot half-work (auth-service cannot sign without its key).
    pub fn refuse_until_started(mut self) -> Self {
        self.refuse_until_started = true;
        self
    }

    /// A background task, started at bind; `task` gets the shutdown flag and should return once it turns.
    pub fn task<F, Fut>(mut self, task: F) -> Self
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.tasks.push(Box::new(move |stop| Box::pin(task(stop))));
        self
    }

    /// Like [`ServiceKit::task`], started only once the start-up work is done.
    pub fn after_startup<F, Fut>(mut self, task: F) -> Self
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.after_startup
            .push(Box::new(move |stop| Box::pin(task(stop))));
        self
    }

    /// The outbox relay: publishes what the service writes to `outbox` (woken by `notify`) to Redis Streams.
    pub fn outbox(self, outbox: OutboxStore, notify: Arc<Notify>) -> Self {
        let publisher = Publisher::new(self.redis.clone(), self.service.redis_prefix.clone());
        self.task(move |stop| crate::outbox::run_relay(outbox, publisher, notify, stop))
    }

    /// An event consumer: `config` (given the Redis prefix) names its group and topics, `handler` handles
    /// one event (idempotently: delivery is at least once).
    pub fn consumer<H, Fut, E>(mut self, config: fn(&str) -> ConsumerConfig, handler: H) -> Self
    where
        H: Fn(RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let config = config(&self.service.redis_prefix);
        let run: StartConsumer =
            Box::new(move |consumer| Box::new(move |stop| Box::pin(consumer.run(handler, stop))));
        self.consumers.push((config, run));
        self
    }

    /// Verifies access tokens against auth-service's JWKS (`JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`),
    /// registered as `web::Data<Verifier>` for `shared::principal`.
    fn jwks(mut self, api: &ApiSettings) -> Self {
        let config = VerifierConfig {
            issuer: api.jwt_issuer.clone(),
            audience: api.jwt_audience.clone(),
            leeway_secs: LEEWAY_SECS,
        };
        self.jwks = Some((api.jwks_url.clone(), config));
        self
    }

    /// Registers `data` as `web::Data<T>` for the handlers.
    pub fn data<T: Send + Sync + 'static>(self, data: T) -> Self {
        let data = web::Data::new(data);
        self.configure(move |cfg| {
            cfg.app_data(data.clone());
        })
    }

    /// Mounts the service's routes (or anything else on the app).
    pub fn configure(
        mut self,
        configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.configure.push(Arc::new(configure));
        self
    }

    /// Binds `HOST:PORT` (port 0 picks a free one) and starts every task; the returned server stops them
    /// all when it stops.
    pub async fn bind(self) -> Result<BoundServer, KitError> {
        let (shutdown, stop) = watch::channel(false);
        let mut configure = self.configure;
        if let Some((url, config)) = self.jwks {
            let verifier = Verifier::from_jwks_url(url, config, JwksOptions::default())
                .await
                .map_err(KitError::Jwks)?;
            let verifier = web::Data::new(verifier);
            configure.push(Arc::new(move |cfg| {
                cfg.app_data(verifier.clone());
            }));
        }
        let mut tasks = self.tasks;
        for (config, run) in self.consumers {
            let group = config.group.clone();
            let consumer = Consumer::new(&self.redis, config)
                .await
                .map_err(|source| KitError::Consumer { group, source })?;
            tasks.push(run(consumer));
        }
        let work = self
            .startup
            .first()
            .map_or("start-up work", |(what, _)| *what);
        tasks.push(run_startup(
            self.startup,
            self.after_startup,
            self.started.clone(),
        ));
        for task in tasks {
            tokio::spawn(task(stop.clone()));
        }

        let s = self.service;
        let readiness = web::Data::new(Readiness {
            db: self.db,
            redis: self.redis,
            started: self.started,
            work,
        });
        let token = web::Data::new(ServiceToken(s.internal_api_token.clone()));
        let gate = web::Data::new(Gate(self.refuse_until_started));
        let listen = Listen {
            host: &s.host,
            port: s.port,
            json_limit_bytes: self.json_limit_bytes,
            workers: None,
            metrics: true,
        };
        let configure = Arc::new(configure);
        let server = BoundServer::bind_with_middleware(&listen, until_started, move |cfg| {
            cfg.app_data(readiness.clone())
                .app_data(token.clone())
                .app_data(gate.clone())
                .route("/healthz", web::get().to(crate::http::healthz))
                .route("/readyz", web::get().to(readyz));
            for configure in configure.iter() {
                configure(cfg);
            }
        })
        .map_err(|source| KitError::Bind {
            host: s.host.clone(),
            port: s.port,
            source,
        })?;
        tracing::debug!(service = self.name, port = server.port(), "service bound");
        Ok(server.on_stop(move || {
            let _ = shutdown.send(true);
        }))
    }
}

/// The start-up work in order, then the tasks that wait for it; marks `started` in between.
fn run_startup(work: Vec<(&'static str, Attempt)>, after: Vec<Task>, started: StartupDone) -> Task {
    Box::new(move |stop| {
        Box::pin(async move {
            for (what, attempt) in &work {
                if !crate::background::retry_until_done(what, stop.clone(), attempt).await {
                    return;
                }
            }
            started.store(true, Ordering::Release);
            for task in after {
                tokio::spawn(task(stop.clone()));
            }
        })
    })
}

/// `GET /readyz`: 200 when MongoDB answers with the start-up work done and Redis answers, 503 naming the
/// ones that do not.
async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let (_, ping) = mongo_probe(&readiness.db);
    let mongodb = async {
        ping.await?;
        if readiness.started.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(format!("{} not done yet", readiness.work))
        }
    };
    crate::http::readiness(vec![
        (MONGODB_CHECK, Box::pin(mongodb)),
        redis_probe(&readiness.redis),
    ])
    .await
}

/// Whether [`ServiceKit::refuse_until_started`] was asked for.
struct Gate(bool);

/// The start-up gate: a 503 (retry shortly) for every route but the probes while the work is not done.
async fn until_started(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gated = req.app_data::<web::Data<Gate>>().is_some_and(|g| g.0);
    let started = || {
        req.app_data::<web::Data<Readiness>>()
            .is_some_and(|r| r.started.load(Ordering::Acquire))
    };
    if !gated || matches!(req.path(), "/healthz" | "/readyz" | "/metrics") || started() {
        return next.call(req).await;
    }
    let refusal = ApiError::new(
        ErrorCode::ServiceUnavailable,
        "The service is starting, please retry shortly",
    );
    Ok(req.into_response(refusal.error_response()))
}
