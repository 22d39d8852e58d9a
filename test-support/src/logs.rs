//! The one log set-up for tests: every service started in a test binary logs through one subscriber that
//! writes to the test's captured output (shown when a test fails) and keeps a copy, so a test can prove a
//! secret never reached a log line.

use std::io::Write;
use std::sync::{Mutex, Once};

/// Every log line written since [`init_logs`], by any service in this test binary.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// What is logged unless `TEST_LOG` says otherwise: debug from our crates (so secret-leak checks see the
/// most verbose lines), info from the chattier libraries.
pub const DEFAULT_TEST_LOG: &str = "debug,mongodb=info,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,actix_server=info,actix_http=info";

struct TestSink;

impl Write for TestSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        // `print!`, not a write to stdout: libtest captures `print!` per test.
        print!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the test subscriber once per binary (later calls do nothing): `tracing` to the test writer,
/// filtered by `TEST_LOG` (an `EnvFilter` directive) or [`DEFAULT_TEST_LOG`].
pub fn init_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let directives = std::env::var("TEST_LOG").unwrap_or_else(|_| DEFAULT_TEST_LOG.to_owned());
        let filter = tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|e| {
            panic!("TEST_LOG is not a valid filter: {e}");
        });
        // `try_init`: a test binary that installed its own subscriber keeps it.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(|| TestSink)
            .with_ansi(false)
            .try_init();
    });
}

/// Everything logged since [`init_logs`] in this test binary, as text.
pub fn logs() -> String {
    String::from_utf8_lossy(
        &LOGS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned()
}
