//! The independent certificate verifier (`scripts/verify_certificate.py`: PyJWT and the official Open
//! Badges 3.0 JSON Schema, nothing this project wrote), run by certificate-service's and the e2e tests.

use std::process::Command;

use serde_json::Value;

use crate::{required_env, run_id};

/// `scripts/verify_certificate.py` against `base` (the Python of the test venv, `TEST_PYTHON`), on the
/// blocking pool: the service under test runs on this test's runtime and must keep answering.
pub async fn independent_verdict(base: &str, id: &str, jwt: Option<&str>) -> (i32, Value) {
    let (base, id, jwt) = (base.to_owned(), id.to_owned(), jwt.map(str::to_owned));
    tokio::task::spawn_blocking(move || run_verifier(&base, &id, jwt.as_deref()))
        .await
        .expect("the verifier task panicked")
}

fn run_verifier(base: &str, id: &str, jwt: Option<&str>) -> (i32, Value) {
    let python = required_env("TEST_PYTHON");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/verify_certificate.py"
    );
    let mut cmd = Command::new(python);
    cmd.arg(script).arg(base).arg(id);
    let file = jwt.map(|t| {
        let path = std::env::temp_dir().join(format!("cert-{}.jwt", run_id()));
        std::fs::write(&path, t).expect("writing the JWT file");
        path
    });
    if let Some(path) = &file {
        cmd.arg("--jwt").arg(path);
    }
    let out = cmd.output().expect("running scripts/verify_certificate.py");
    if let Some(path) = file {
        let _ = std::fs::remove_file(path);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdict: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "the verifier printed no verdict: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), verdict)
}
