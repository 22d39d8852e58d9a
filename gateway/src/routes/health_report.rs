//! The body of `GET /api/v1/healthcheck`, typed so the OpenAPI document describes it exactly (generated
//! clients parse it into a model). The field names are the seed's.

use serde::Serialize;
use utoipa::ToSchema;

/// The platform's health report (200 when `status` is `OK`, 503 when `DEGRADED`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub status: Overall,
    /// RFC 3339, milliseconds, UTC.
    #[schema(format = DateTime)]
    pub time_stamp: String,
    pub services: ServicesReport,
}

/// `OK` when every dependency is healthy.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Overall {
    Ok,
    Degraded,
}

/// One check's verdict.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Unhealthy,
}

impl Health {
    pub fn of(ok: bool) -> Self {
        if ok { Self::Healthy } else { Self::Unhealthy }
    }
}

/// Every dependency, by name (never an address).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServicesReport {
    /// Every service's MongoDB, as the services report it.
    pub databases: DatabasesCheck,
    pub redis: LatencyCheck,
    /// The gateway itself.
    pub server: ServerCheck,
    pub auth: LatencyCheck,
    pub course: LatencyCheck,
    pub progress: LatencyCheck,
    pub payment: LatencyCheck,
    pub certificate: LatencyCheck,
}

/// A dependency that was asked, and how long it took to answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatencyCheck {
    pub status: Health,
    /// Milliseconds (the bound, `HEALTH_CHECK_TIMEOUT_MS`, when it did not answer in time).
    pub latency_ms: u64,
}

impl LatencyCheck {
    pub fn of(ok: bool, latency_ms: u64) -> Self {
        Self {
            status: Health::of(ok),
            latency_ms,
        }
    }
}

/// The databases, as one check.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabasesCheck {
    pub status: Health,
    pub details: DatabaseDetails,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseDetails {
    pub is_connected: bool,
    pub ready_state: ReadyState,
}

/// Mongoose's names, as the seed reported them.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadyState {
    Connected,
    Disconnected,
}

/// The gateway's own process.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerCheck {
    /// Always `healthy`: it answered.
    pub status: Health,
    /// Seconds since the gateway started.
    pub uptime: f64,
    pub memory_usage: MemoryUsage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryUsage {
    /// Resident memory in bytes (0 where `/proc` is missing).
    pub rss: u64,
}
