//! The official stripe-python SDK against the simulator (`scripts/stripe_sdk_check.py`): sessions with and
//! without a coupon, the page and the control route, lists, refunds, an unknown parameter, and every
//! webhook verified by `stripe.Webhook.construct_event`. Never skipped: without `TEST_PYTHON` (set by
//! ./scripts/test) or the pinned `stripe` package the test fails and says why.

use std::process::Command;

use crate::helpers::{SECRET_KEY, WEBHOOK_SECRET, spawn_sim};

#[tokio::test]
async fn the_official_python_sdk_creates_pays_lists_refunds_and_verifies_every_webhook() {
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| {
        panic!("TEST_PYTHON is not set: run the tests with ./scripts/test, which installs the pinned stripe package in .venv and exports it")
    });
    let sim = spawn_sim().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/stripe_sdk_check.py"
    );
    let base = sim.base_url();
    // The script blocks on the simulator, which serves on this runtime: run it on the blocking pool.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(script)
            .arg(base)
            .arg(SECRET_KEY)
            .arg(WEBHOOK_SECRET)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {python}: {e}"))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/stripe_sdk_check.py failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["ok"], true, "{summary}");
    assert_eq!(
        summary["events"],
        serde_json::json!([
            "charge.refunded",
            "charge.refunded",
            "checkout.session.completed",
            "checkout.session.completed",
            "coupon.created",
            "refund.created",
            "refund.created"
        ])
    );
}
