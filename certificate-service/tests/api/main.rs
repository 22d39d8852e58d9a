//! Integration tests for certificate-service: the real server beside a real auth-service and
//! course-service, against the test MongoDB (SecantusDB) and Redis; the certificates are checked by an
//! independent verifier (PyJWT and the official Open Badges 3.0 JSON Schema, `scripts/verify_certificate.py`).

mod certificates;
mod health;
#[expect(
    clippy::expect_used,
    reason = "test set-up fails loudly; clippy only exempts #[test] functions"
)]
mod helpers;
mod revocation;
mod verifier;
