//! The one `AppState` shared by every handler.

use redis::aio::ConnectionManager;

/// State every handler can reach, registered once as `web::Data`.
#[derive(Clone)]
pub struct AppState {
    /// This service's database.
    pub db: mongodb::Database,
    /// Shared, reconnecting Redis connection.
    pub redis: ConnectionManager,
}
