//! The one `AppState` shared by every handler.

use std::sync::Arc;

use shared::media::MediaStore;
use tokio::sync::Notify;

use crate::config::Settings;
use crate::store::Store;
use crate::users::UserDirectory;
use crate::write_limit::WriteLimit;

/// Everything a handler may need; cheap to clone. The token verifier is registered beside it as
/// `web::Data<Verifier>` (see `shared::principal`).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    /// Local disk or S3, chosen by `MEDIA_BACKEND` at start-up.
    pub media: Arc<dyn MediaStore>,
    pub users: UserDirectory,
    /// Wakes the outbox relay when an event was written.
    pub outbox_notify: Arc<Notify>,
    pub redis: shared::redis_handle::RedisHandle,
    /// Each user's budget of review writes.
    pub write_limit: WriteLimit,
}

impl AppState {
    /// Where uploads are streamed before they are checked and moved into place.
    pub fn upload_dir(&self) -> std::path::PathBuf {
        self.settings.media_dir.join(".tmp")
    }

    /// The public URL of a stored file.
    pub fn media_url(&self, key: &str) -> String {
        crate::media::media_url(&self.settings.media_base_url, key)
    }
}
