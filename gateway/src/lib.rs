//! gateway: the public entry point that checks tokens, limits rates and proxies `/api/v1/...` to the services.

pub mod client_ip;
pub mod config;
pub mod cookies;
pub mod cors;
pub mod docs;
pub mod edge;
pub mod error;
pub mod identity;
pub mod metrics;
pub mod operations;
pub mod phases;
pub mod proxy;
pub mod rate_limit;
pub mod revocation;
pub mod routes;
pub mod routing;
pub mod security_headers;
pub mod startup;
pub mod state;
