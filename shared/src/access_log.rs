//! The access log: one line per request (method, route pattern, status, duration, request id, upstream,
//! bytes), never a path, query, header value, token or body. Lines are formatted by hand (a fixed schema;
//! the generic JSON event formatter cost the gateway ~15,000 instructions a request) and written by one
//! background thread, in whole lines, so a worker never waits on stdout. `RUST_LOG` still decides: the
//! line is written when target `access` is enabled at `info`.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request, as the access log records it.
#[derive(Debug, Clone, Copy)]
pub struct AccessLine<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub elapsed: Duration,
    pub request_id: &'a str,
    pub upstream: &'a str,
    pub bytes: u64,
}

/// JSON lines (`LOG_JSON`) or compact text, set with the rest of telemetry.
static JSON: AtomicBool = AtomicBool::new(false);
/// Where lines go when not stdout (tests), taken when the writer thread starts.
static WRITER: Mutex<Option<Box<dyn Write + Send>>> = Mutex::new(None);
static SINK: OnceLock<Sender<Vec<u8>>> = OnceLock::new();

/// Writes lines as JSON objects (the shape of the other JSON log lines) or as compact text.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// Sends every later line to `writer` instead of stdout (tests); only before the first line is written.
pub fn capture(json: bool, writer: impl Write + Send + 'static) {
    set_json(json);
    *WRITER.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(writer));
}

/// Whether `RUST_LOG` enables the access log.
pub fn enabled() -> bool {
    tracing::enabled!(target: "access", tracing::Level::INFO)
}

/// Formats `line` and hands it to the writer thread.
pub fn write(line: &AccessLine<'_>) {
    let mut buf = Vec::with_capacity(256);
    format_line(
        &mut buf,
        line,
        JSON.load(Ordering::Relaxed),
        SystemTime::now(),
    );
    let sink = SINK.get_or_init(start_writer);
    // Only fails once the writer thread is gone (the process is exiting).
    let _ = sink.send(buf);
}

fn start_writer() -> Sender<Vec<u8>> {
    let (tx, rx) = channel();
    let writer = WRITER
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or_else(|| Box::new(std::io::stdout()));
    let spawned = std::thread::Builder::new()
        .name("access-log".into())
        .spawn(move || write_lines(&rx, writer));
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the access-log writer; access lines are dropped");
    }
    tx
}

/// How long the writer lingers after a batch of several lines before it waits on the channel again.
/// While it waits, every line sent wakes it (a futex call on the worker and a context switch: ~20 % of the
/// gateway's CPU under load, by `perf`); while it lingers, senders wake no one and the next batch grows.
/// A lone line (an idle service) is written at once, as before.
const LINGER: Duration = Duration::from_millis(5);

/// Writes whole lines, batched while more are waiting, flushed as soon as none is (one `write` carries at
/// most 4 KiB of whole lines, so lines never interleave with other writers' on a pipe).
fn write_lines(rx: &Receiver<Vec<u8>>, writer: Box<dyn Write + Send>) {
    let mut out = std::io::BufWriter::with_capacity(4096, writer);
    while let Ok(line) = rx.recv() {
        let _ = out.write_all(&line);
        let mut batch = 1;
        while let Ok(line) = rx.try_recv() {
            let _ = out.write_all(&line);
            batch += 1;
        }
        let _ = out.flush();
        if batch > 1 {
            std::thread::sleep(LINGER);
        }
    }
}

thread_local! {
    /// The last whole second formatted (`YYYY-MM-DDTHH:MM:SS`), reused until the clock moves on.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

fn format_line(buf: &mut Vec<u8>, line: &AccessLine<'_>, json: bool, now: SystemTime) {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != since_epoch.as_secs() {
            *second = since_epoch.as_secs();
            text.clear();
            let secs = i64::try_from(*second).unwrap_or(0);
            if let Some(t) = chrono::DateTime::from_timestamp(secs, 0) {
                let _ = write!(text, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
            }
        }
        if json {
            buf.extend_from_slice(b"{\"timestamp\":\"");
        }
        buf.extend_from_slice(text.as_bytes());
    });
    let mut int = itoa::Buffer::new();
    buf.push(b'.');
    push_padded(buf, since_epoch.subsec_micros(), 6);
    let micros = line.elapsed.as_micros();
    if json {
        buf.extend_from_slice(b"Z\",\"level\":\"INFO\",\"target\":\"access\",\"fields\":{\"message\":\"request served\",\"method\":\"");
        push_escaped(buf, line.method);
        buf.extend_from_slice(b"\",\"route\":\"");
        push_escaped(buf, line.route);
        buf.extend_from_slice(b"\",\"status\":");
        buf.extend_from_slice(int.format(line.status).as_bytes());
        buf.extend_from_slice(b",\"duration_ms\":");
        push_millis(buf, micros);
        buf.extend_from_slice(b",\"request_id\":\"");
        push_escaped(buf, line.request_id);
        buf.extend_from_slice(b"\",\"upstream\":\"");
        push_escaped(buf, line.upstream);
        buf.extend_from_slice(b"\",\"bytes\":");
        buf.extend_from_slice(int.format(line.bytes).as_bytes());
        buf.extend_from_slice(b"}}\n");
    } else {
        buf.extend_from_slice(b"Z  INFO access: request served method=");
        push_escaped(buf, line.method);
        buf.extend_from_slice(b" route=");
        push_escaped(buf, line.route);
        buf.extend_from_slice(b" status=");
        buf.extend_from_slice(int.format(line.status).as_bytes());
        buf.extend_from_slice(b" duration_ms=");
        push_millis(buf, micros);
        buf.extend_from_slice(b" request_id=");
        push_escaped(buf, line.request_id);
        buf.extend_from_slice(b" upstream=");
        push_escaped(buf, line.upstream);
        buf.extend_from_slice(b" bytes=");
        buf.extend_from_slice(int.format(line.bytes).as_bytes());
        buf.push(b'\n');
    }
}

/// `value` with at least `width` digits, zero-padded.
fn push_padded(buf: &mut Vec<u8>, value: u32, width: usize) {
    let mut int = itoa::Buffer::new();
    let digits = int.format(value);
    buf.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    buf.extend_from_slice(digits.as_bytes());
}

/// Microseconds as milliseconds with three decimals, without float formatting.
fn push_millis(buf: &mut Vec<u8>, micros: u128) {
    let mut int = itoa::Buffer::new();
    buf.extend_from_slice(int.format(micros / 1000).as_bytes());
    buf.push(b'.');
    push_padded(buf, u32::try_from(micros % 1000).unwrap_or(0), 3);
}

/// A JSON string's contents: quotes, backslashes and control characters escaped (the values are route
/// patterns and checked request ids, so this is defence, not the common path).
fn push_escaped(buf: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // The common case, copied whole: pushing byte by byte cost ~400 instructions a field.
    if !bytes.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
        buf.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                buf.push(b"0123456789abcdef"[usize::from(b >> 4)]);
                buf.push(b"0123456789abcdef"[usize::from(b & 0xf)]);
            }
            _ => buf.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> AccessLine<'static> {
        AccessLine {
            method: "GET",
            route: "/api/v1/courses/{courseId}",
            status: 200,
            elapsed: Duration::from_micros(1_234_567),
            request_id: "rid-1",
            upstream: "course",
            bytes: 512,
        }
    }

    #[test]
    fn a_json_line_is_one_object_with_every_field() {
        let mut buf = Vec::new();
        let at = UNIX_EPOCH + Duration::from_micros(1_764_507_080_000_042);
        format_line(&mut buf, &line(), true, at);
        assert_eq!(buf.last(), Some(&b'\n'));
        let value: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(value["timestamp"], "2025-11-30T12:51:20.000042Z");
        assert_eq!(value["target"], "access");
        let fields = &value["fields"];
        assert_eq!(fields["method"], "GET");
        assert_eq!(fields["route"], "/api/v1/courses/{courseId}");
        assert_eq!(fields["status"], 200);
        assert_eq!(fields["duration_ms"], 1234.567);
        assert_eq!(fields["request_id"], "rid-1");
        assert_eq!(fields["upstream"], "course");
        assert_eq!(fields["bytes"], 512);
    }

    #[test]
    fn text_lines_and_escaping_stay_on_one_line() {
        let mut buf = Vec::new();
        let mut odd = line();
        odd.route = "/a\"b\\c\nd";
        format_line(&mut buf, &odd, true, SystemTime::now());
        let value: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(value["fields"]["route"], "/a\"b\\c\nd");
        let mut text = Vec::new();
        format_line(&mut text, &line(), false, SystemTime::now());
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        assert!(
            text.contains(
                " status=200 duration_ms=1234.567 request_id=rid-1 upstream=course bytes=512"
            ),
            "{text}"
        );
    }
}
