//! The one `AppState` shared by every handler.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Settings;
use crate::courses::CourseDirectory;
use crate::store::Store;

/// Everything a handler may need; cheap to clone. The token verifier is registered beside it as
/// `web::Data<Verifier>` (see `shared::principal`).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    /// course-service's lectures and enrolment checks, briefly cached.
    pub courses: CourseDirectory,
    /// Wakes the outbox relay when an event was written.
    pub outbox_notify: Arc<Notify>,
    pub redis: shared::redis_handle::RedisHandle,
}
