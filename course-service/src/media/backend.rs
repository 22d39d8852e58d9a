//! The media store `MEDIA_BACKEND` chooses at start-up: local disk, or S3 in a build with the `s3` feature.

use std::sync::Arc;

use anyhow::Context;
use shared::media::{LocalDiskStore, MediaStore};

use crate::config::{MediaBackend, Settings};

/// The backend `MEDIA_BACKEND` names. Uploads stream to `MEDIA_DIR/.tmp` with either, so it is created too.
pub fn open(settings: &Settings) -> anyhow::Result<Arc<dyn MediaStore>> {
    let local = LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
    match &settings.media_backend {
        MediaBackend::Local => Ok(Arc::new(local)),
        #[cfg(feature = "s3")]
        MediaBackend::S3(s3) => {
            let config = shared::media::s3::S3Config {
                bucket: s3.bucket.clone(),
                endpoint: s3.endpoint.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.clone(),
            };
            let store = shared::media::s3::S3Store::new(&config)
                .context("building the S3 client (S3_* variables)")?;
            Ok(Arc::new(store))
        }
        // Settings refuse `s3` in a build without the feature; this arm only keeps the match total.
        #[cfg(not(feature = "s3"))]
        MediaBackend::S3(_) => {
            anyhow::bail!("MEDIA_BACKEND=s3 needs course-service built with the cargo feature `s3`")
        }
    }
}
