//! The `healthcheck` subcommand every binary has: run the real binary against a server and read its exit.

use crate::{RECOVERY_TIMEOUT, closed_port, eventually};

/// The port of a base URL such as `http://127.0.0.1:41234`.
pub fn port_of(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("`{address}` has no port"))
}

/// Runs `bin healthcheck` (the real binary, e.g. `env!("CARGO_BIN_EXE_gateway")`) aimed at
/// `127.0.0.1:port`, on the blocking pool so that a server on this test's runtime keeps answering.
pub async fn run_healthcheck(bin: &str, port: u16) -> std::process::Output {
    let bin = bin.to_owned();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(&bin)
            .arg("healthcheck")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
    })
    .await
    .unwrap()
}

/// The `healthcheck` subcommand of `bin`: exit 0 against a ready server (`ready_port`), non-zero with the
/// `/readyz` status on stderr against a running but unready one (`unready_port`), non-zero against a port
/// nothing listens on.
pub async fn assert_healthcheck_command(bin: &str, ready_port: u16, unready_port: u16) {
    // A service binds before its start-up work (indexes, say) is done: wait until it says it is ready.
    let url = format!("http://127.0.0.1:{ready_port}/readyz");
    eventually(
        RECOVERY_TIMEOUT,
        "the ready server's /readyz answers 200",
        async || {
            let res = reqwest::get(&url).await.ok()?;
            (res.status() == 200).then_some(())
        },
    )
    .await;
    let ready = run_healthcheck(bin, ready_port).await;
    assert!(
        ready.status.success(),
        "{bin} healthcheck against a ready server: {:?}, stderr: {}",
        ready.status,
        String::from_utf8_lossy(&ready.stderr)
    );
    let unready = run_healthcheck(bin, unready_port).await;
    let stderr = String::from_utf8_lossy(&unready.stderr);
    assert!(
        !unready.status.success() && stderr.contains("503"),
        "{bin} healthcheck against an unready server: {:?}, stderr: {stderr}",
        unready.status
    );
    let closed = run_healthcheck(bin, closed_port()).await;
    assert!(
        !closed.status.success(),
        "{bin} healthcheck against a closed port: {:?}",
        closed.status
    );
}
