//! A TCP proxy on a loopback port in front of a real server (the test MongoDB or Redis, or a service) that
//! a test closes and opens, to start a service while its store is unreachable and then bring the store
//! back, or aims elsewhere, as a load balancer in front of a restarted instance.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Forwards connections to `target` while open; while closed it accepts and drops them at once (as a
/// server that went away), and closing cuts the connections already made.
pub struct TcpProxy {
    port: u16,
    open: Arc<watch::Sender<bool>>,
    /// Where new connections go (`host:port`); see [`TcpProxy::set_target`].
    target: Arc<Mutex<String>>,
    accept: JoinHandle<()>,
}

impl TcpProxy {
    /// A proxy to `target` (`host:port`) on a free loopback port, open or closed from the start.
    pub async fn start(target: &str, open: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind the proxy's port");
        let port = listener.local_addr().expect("proxy address").port();
        let (open, _) = watch::channel(open);
        let open = Arc::new(open);
        let target = Arc::new(Mutex::new(target.to_owned()));
        let accept = tokio::spawn(accept_loop(listener, target.clone(), open.clone()));
        Self {
            port,
            open,
            target,
            accept,
        }
    }

    /// A proxy in front of the server a URL (`mongodb://host:port`, `redis://host:port/0`) points at.
    pub async fn in_front_of(url: &str, open: bool) -> Self {
        Self::start(&host_port(url), open).await
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Lets connections through from now on.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    /// Refuses new connections and cuts the live ones.
    pub fn close(&self) {
        self.open.send_replace(false);
    }

    /// Sends new connections to `target` (`host:port`) from now on, as a load balancer does once a
    /// restarted instance listens elsewhere; connections already made stay where they are.
    pub fn set_target(&self, target: &str) {
        *self.target.lock().unwrap_or_else(PoisonError::into_inner) = target.to_owned();
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.close();
    }
}

/// `host:port` of a server URL: what lies between `://` (and any `user@`) and the first `/` or `?`.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

async fn accept_loop(
    listener: TcpListener,
    target: Arc<Mutex<String>>,
    open: Arc<watch::Sender<bool>>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if !*open.borrow() {
            drop(client);
            continue;
        }
        let mut closed = open.subscribe();
        let target = target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(&target).await else {
                return;
            };
            let mut client = client;
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                // Closed, or the proxy itself is gone.
                _ = closed.wait_for(|open| !*open) => {}
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_port_is_read_from_every_url_shape() {
        assert_eq!(host_port("mongodb://127.0.0.1:27017"), "127.0.0.1:27017");
        assert_eq!(host_port("mongodb://u:p@h:1/db?x=y"), "h:1");
        assert_eq!(host_port("redis://127.0.0.1:6379/0"), "127.0.0.1:6379");
        assert_eq!(host_port("h:2"), "h:2");
    }
}
