//! The one `AppState` shared by every handler and background task.

use std::sync::Arc;

use crate::config::Settings;
use crate::keys::IssuerKeys;
use crate::neighbours::Neighbours;
use crate::store::Store;

/// Everything a handler may need; cheap to clone. The token verifier is registered beside it as
/// `web::Data<Verifier>` (see `shared::principal`).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub keys: IssuerKeys,
    pub neighbours: Neighbours,
}
