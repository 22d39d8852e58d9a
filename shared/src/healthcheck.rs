//! The `healthcheck` subcommand of every binary: asks the running service's own `GET /readyz` over plain
//! HTTP/1.0 with the standard library only, so a container image needs no curl, wget or shell for its
//! health check (`HEALTHCHECK`/compose `test: ["CMD", "/usr/local/bin/service", "healthcheck"]`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::config::{Env, Source, Vars};

/// The first command-line argument that runs the check instead of the service.
pub const SUBCOMMAND: &str = "healthcheck";

/// Bound on connecting, and on each read and write; below compose's and Kubernetes' probe timeouts.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// When the first argument is `healthcheck`, checks the service this process's `HOST`/`PORT` describe
/// (`PORT` defaulting to `default_port`) and exits: 0 when `/readyz` answers 200, 1 otherwise, with the
/// reason on stderr. Otherwise returns at once. Call it first in `main`, before the settings are read, so
/// the check needs no database URL or secret.
pub fn run_if_requested(default_port: u16) {
    if std::env::args().nth(1).as_deref() != Some(SUBCOMMAND) {
        return;
    }
    let code = match target(&Env, default_port).and_then(|addr| probe(addr, TIMEOUT)) {
        Ok(()) => 0,
        Err(reason) => {
            eprintln!("healthcheck: {reason}");
            1
        }
    };
    std::process::exit(code);
}

/// The address to probe: `HOST:PORT`, where a wildcard `HOST` (the default `0.0.0.0`, or `::`) means the
/// loopback address of the same family.
pub fn target(source: &dyn Source, default_port: u16) -> Result<SocketAddr, String> {
    let vars = Vars::new(source);
    let port: u16 = vars.or("PORT", default_port).map_err(|e| e.to_string())?;
    let host: String = vars
        .or("HOST", "0.0.0.0".to_owned())
        .map_err(|e| e.to_string())?;
    match host.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) if ip.is_unspecified() => Ok((Ipv4Addr::LOCALHOST, port).into()),
        Ok(IpAddr::V6(ip)) if ip.is_unspecified() => Ok((Ipv6Addr::LOCALHOST, port).into()),
        Ok(ip) => Ok((ip, port).into()),
        Err(_) => (host.trim(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve HOST `{host}`: {e}"))?
            .next()
            .ok_or_else(|| format!("HOST `{host}` resolves to no address")),
    }
}

/// `GET /readyz` at `addr`: `Ok` on a 200 answer; otherwise why not (connection refused, timeout, or the
/// status with the start of the body, which names the failing checks).
pub fn probe(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("cannot set timeouts: {e}"))?;
    // One write: `write!` on the stream would send each formatted piece on its own.
    let request = format!(
        "GET /readyz HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: lms-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send the request to {addr}: {e}"))?;
    // A readiness answer is a few hundred bytes; never read more than a bounded amount.
    let mut reader = BufReader::new(stream.take(16 * 1024));
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .ok_or_else(|| format!("{addr} did not answer HTTP: `{}`", status_line.trim_end()))?;
    if status == "200" {
        return Ok(());
    }
    let mut rest = String::new();
    // Best effort: the reason is already known from the status.
    let _ = reader.read_to_string(&mut rest);
    let body = rest.split("\r\n\r\n").nth(1).unwrap_or("").trim();
    let body: String = body.chars().take(300).collect();
    Err(format!("GET /readyz on {addr} answered {status}: {body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::TcpListener;

    /// A one-shot HTTP server on a free loopback port answering `response` to the first connection.
    fn serve_once(response: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            // The whole head before answering: closing while the client still writes would break its pipe.
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = conn.read(&mut chunk).unwrap();
                assert!(n > 0, "the client closed before its request head ended");
                request.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&request);
            assert!(head.starts_with("GET /readyz HTTP/1.0\r\n"), "{head}");
            conn.write_all(response.as_bytes()).unwrap();
        });
        addr
    }

    #[test]
    fn a_ready_service_passes() {
        let addr =
            serve_once("HTTP/1.1 200 OK\r\ncontent-length: 17\r\n\r\n{\"status\":\"ready\"}");
        assert_eq!(probe(addr, TIMEOUT), Ok(()));
    }

    #[test]
    fn an_unready_service_fails_naming_the_status_and_the_failing_check() {
        let addr = serve_once(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\r\n{\"status\":\"unavailable\",\"checks\":{\"redis\":\"timeout\"}}",
        );
        let err = probe(addr, TIMEOUT).unwrap_err();
        assert!(err.contains("503") && err.contains("redis"), "{err}");
    }

    #[test]
    fn a_closed_port_or_a_non_http_answer_fails() {
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = probe(closed, TIMEOUT).unwrap_err();
        assert!(err.contains("cannot connect"), "{err}");
        let addr = serve_once("SSH-2.0-OpenSSH\r\n");
        let err = probe(addr, TIMEOUT).unwrap_err();
        assert!(err.contains("did not answer HTTP"), "{err}");
    }

    #[test]
    fn a_silent_server_fails_within_the_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let started = std::time::Instant::now();
        let err = probe(addr, Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("no answer"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(listener);
    }

    #[test]
    fn the_target_is_loopback_for_a_wildcard_host_and_the_host_otherwise() {
        let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            target(&map(&[]), 4002).unwrap(),
            "127.0.0.1:4002".parse().unwrap()
        );
        assert_eq!(
            target(&map(&[("HOST", "::"), ("PORT", "4100")]), 1).unwrap(),
            "[::1]:4100".parse().unwrap()
        );
        assert_eq!(
            target(&map(&[("HOST", "10.1.2.3")]), 4000).unwrap(),
            "10.1.2.3:4000".parse().unwrap()
        );
        let err = target(&map(&[("PORT", "http")]), 1).unwrap_err();
        assert!(err.contains("PORT"), "{err}");
    }
}
