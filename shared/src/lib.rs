//! Types and helpers shared by every service: the error envelope and code table, access-token claims and
//! verification, revocation key names, typed configuration (with `*_FILE` secrets), the `healthcheck` subcommand, telemetry, request ids, Redis Streams events and the service kit that assembles a service.
//! Heavy pieces sit behind cargo features so each binary compiles only what it uses.

#[cfg(feature = "actix")]
pub mod access_log;
pub mod claims;
pub mod config;
pub mod credentials;
pub mod error;
pub mod healthcheck;
pub mod internal;
pub mod internal_auth;
#[cfg(feature = "internal-client")]
pub mod internal_client;
pub mod message;
pub mod query;
pub mod revocation;

#[cfg(feature = "actix")]
pub mod background;
#[cfg(feature = "mongo")]
pub mod enrolments;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "actix")]
pub mod http;
#[cfg(feature = "jwks")]
pub mod jwks;
#[cfg(feature = "media")]
pub mod media;
#[cfg(feature = "actix")]
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "outbox")]
pub mod outbox;
#[cfg(all(feature = "actix", feature = "jwks"))]
pub mod principal;
#[cfg(feature = "mongo")]
pub mod processed;
#[cfg(feature = "redis")]
pub mod redis_handle;
#[cfg(all(feature = "actix", feature = "openapi"))]
pub mod served_document;
#[cfg(all(feature = "actix", feature = "outbox", feature = "jwks"))]
pub mod service;
#[cfg(feature = "actix")]
pub mod service_error;
#[cfg(feature = "signing")]
pub mod signing;
#[cfg(any(feature = "mongo", feature = "redis"))]
pub mod stores;
#[cfg(feature = "telemetry")]
pub mod telemetry;
