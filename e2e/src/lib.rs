//! The end-to-end suite: its tests (`tests/journey/`) start all five services and the Stripe simulator
//! in-process against the test SecantusDB and Redis and drive only the gateway's public API, as a cookie
//! client and as a bearer / API-key client. This library is empty; see `docs/e2e.md`.
