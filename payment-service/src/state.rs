//! The one `AppState` shared by every handler and background task.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Settings;
use crate::courses::CourseClient;
use crate::store::Store;
use crate::stripe::StripeApi;

/// Everything a handler may need; cheap to clone. The token verifier is registered beside it as
/// `web::Data<Verifier>` (see `shared::principal`).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub courses: CourseClient,
    pub stripe: StripeApi,
    /// Wakes the outbox relay when an event was written.
    pub outbox_notify: Arc<Notify>,
    pub redis: shared::redis_handle::RedisHandle,
}
