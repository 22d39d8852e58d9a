//! What every HTTP handler reaches: the simulator's store and deliverer, its keys, and the queue of
//! deliveries a handler hands to the simulator's runtime. Below `sim` (which builds it) and the handler
//! modules (which read it), so neither imports the other.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::delivery::Deliverer;
use crate::state::Store;

/// A delivery asked for over HTTP (`/_sim/events/{id}/deliver`), run on the simulator's own runtime.
pub(crate) struct DeliverJob {
    pub event_id: String,
    pub timestamp: Option<i64>,
    pub reply: oneshot::Sender<anyhow::Result<u16>>,
}

/// What every handler reaches.
pub(crate) struct AppState {
    pub store: Arc<Store>,
    pub deliverer: Arc<Deliverer>,
    pub secret_key: String,
    /// Public origin of the pages, with a trailing slash.
    pub page_base: String,
    pub jobs: mpsc::UnboundedSender<DeliverJob>,
}
