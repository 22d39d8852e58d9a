//! Connections to the services, kept per worker thread. Each actix worker is a single-threaded runtime,
//! so the connections it opens (and the tasks that drive them) stay on it: no lock, no wake-up across
//! threads, no URL parsing per request — the profile showed reqwest's shared pool, its URL handling and
//! its extra task hops at about a quarter of the gateway's CPU per request. nginx keeps its upstream
//! connections per worker for the same reason. Idle connections are reused newest first and dropped
//! once the service closes them, after the idle timeout, or beyond the per-worker cap.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::HeaderValue;
use hyper_util::rt::TokioIo;

use super::body::OutBody;

/// The sending half of one HTTP/1.1 connection to a service.
pub type Sender = SendRequest<OutBody>;

/// How connections are opened and kept.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub connect_timeout: Duration,
    /// An idle connection older than this is closed instead of reused.
    pub idle_timeout: Duration,
    /// Idle connections kept per service and worker.
    pub max_idle: usize,
}

/// Why no connection could be had.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("connecting to {0} timed out")]
    Timeout(String),
    #[error("connecting to {authority}: {source}")]
    Io {
        authority: String,
        source: std::io::Error,
    },
    #[error("HTTP handshake with {authority}: {source}")]
    Handshake {
        authority: String,
        source: hyper::Error,
    },
}

/// One service's base URL, parsed once at start-up.
#[derive(Debug)]
pub struct Endpoint {
    /// This endpoint's slot in every worker's idle lists.
    id: usize,
    /// `host:port` to connect to.
    authority: String,
    /// The `Host` header the service gets.
    pub host: HeaderValue,
    /// The base URL's path ("" when it has none), put before the request's own path.
    pub base_path: String,
    pub settings: PoolSettings,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

struct Idle {
    sender: Sender,
    since: Instant,
}

thread_local! {
    /// Idle connections of this worker, by endpoint id, oldest first.
    static IDLE: RefCell<Vec<Vec<Idle>>> = const { RefCell::new(Vec::new()) };
}

impl Endpoint {
    /// Parses `http://host[:port][/path]`. Services are reached over plain HTTP on the private network;
    /// an `https://` service URL is refused (TLS between services belongs to the network layer).
    pub fn parse(url: &str, settings: PoolSettings) -> anyhow::Result<Self> {
        let uri: hyper::Uri = url.parse()?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => anyhow::bail!(
                "`{url}`: the gateway forwards to services over plain HTTP inside the private network; \
                 use an http:// URL (terminate TLS in front of the gateway, or in a service mesh)"
            ),
            _ => anyhow::bail!("`{url}` is not an http:// URL"),
        }
        let authority = uri
            .authority()
            .ok_or_else(|| anyhow::anyhow!("`{url}` has no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        let host = authority.host();
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            authority: format!("{host}:{port}"),
            host: HeaderValue::from_str(authority.as_str())?,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            settings,
        })
    }

    /// An idle connection of this worker that is still open, or a new one.
    pub async fn checkout(&self) -> Result<Sender, ConnectError> {
        while let Some(mut idle) = self.pop_idle() {
            if idle.since.elapsed() > self.settings.idle_timeout {
                // The newest is too old, so all are.
                IDLE.with(|p| p.borrow_mut()[self.id].clear());
                break;
            }
            if idle.sender.ready().await.is_ok() {
                return Ok(idle.sender);
            }
        }
        self.connect().await
    }

    /// Where a connection of this endpoint goes back to once its exchange is complete.
    pub fn slot(&self) -> Slot {
        Slot {
            id: self.id,
            settings: self.settings,
        }
    }

    fn pop_idle(&self) -> Option<Idle> {
        IDLE.with(|p| p.borrow_mut().get_mut(self.id).and_then(Vec::pop))
    }

    async fn connect(&self) -> Result<Sender, ConnectError> {
        let connecting = tokio::net::TcpStream::connect(self.authority.as_str());
        let tcp = tokio::time::timeout(self.settings.connect_timeout, connecting)
            .await
            .map_err(|_| ConnectError::Timeout(self.authority.clone()))?
            .map_err(|source| ConnectError::Io {
                authority: self.authority.clone(),
                source,
            })?;
        // Small requests and answers go out at once rather than waiting for an ACK (Nagle).
        let _ = tcp.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|source| ConnectError::Handshake {
                authority: self.authority.clone(),
                source,
            })?;
        actix_web::rt::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "upstream connection ended");
            }
        });
        Ok(sender)
    }
}

/// An endpoint's place in the per-worker idle lists (small enough to travel with a response body).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    id: usize,
    settings: PoolSettings,
}

impl Slot {
    /// Gives a connection whose exchange is complete back to this worker's idle list.
    pub fn checkin(self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        IDLE.with(|p| {
            let mut pools = p.borrow_mut();
            if pools.len() <= self.id {
                pools.resize_with(self.id + 1, Vec::new);
            }
            let idle = &mut pools[self.id];
            let now = Instant::now();
            let stale = idle
                .iter()
                .take_while(|i| now.duration_since(i.since) > self.settings.idle_timeout)
                .count();
            idle.drain(..stale);
            if idle.len() < self.settings.max_idle {
                idle.push(Idle { sender, since: now });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PoolSettings {
        PoolSettings {
            connect_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(60),
            max_idle: 4,
        }
    }

    #[test]
    fn base_urls_give_the_address_host_header_and_path_prefix() {
        let e = Endpoint::parse("http://auth-service:4001", settings()).unwrap();
        assert_eq!(e.authority, "auth-service:4001");
        assert_eq!(e.host, "auth-service:4001");
        assert_eq!(e.base_path, "");
        let e = Endpoint::parse("http://10.0.0.7/prefix/", settings()).unwrap();
        assert_eq!(e.authority, "10.0.0.7:80");
        assert_eq!(e.host, "10.0.0.7");
        assert_eq!(e.base_path, "/prefix");
    }

    #[test]
    fn https_and_other_schemes_are_refused_with_a_reason() {
        let err = Endpoint::parse("https://auth:4001", settings()).unwrap_err();
        assert!(err.to_string().contains("plain HTTP"), "{err}");
        assert!(Endpoint::parse("ftp://auth:4001", settings()).is_err());
        assert!(Endpoint::parse("not a url", settings()).is_err());
    }
}
