//! gateway: the public entry point that checks tokens, limits rates and proxies `/api/v1/...` to the services.

pub mod config;
pub mod routes;
pub mod startup;
