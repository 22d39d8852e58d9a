//! Media of courses: where thumbnails and videos are stored, their public URLs, reading a video's
//! duration off the blocking pool, and removing files that are no longer referenced.

pub mod backend;
pub mod duration;
#[doc(hidden)]
pub mod fixtures;

use std::path::PathBuf;

use shared::media::{MediaStore, TempUpload};

/// Folder of course thumbnails in the media store.
pub const THUMBNAILS: &str = "thumbnails";
/// Folder of lecture videos in the media store.
pub const VIDEOS: &str = "videos";

/// The URL a stored file is served at (`{base}/api/v1/media/{key}`).
pub fn media_url(base: &str, key: &str) -> String {
    format!("{base}/api/v1/media/{key}")
}

/// The duration in seconds (two decimals) of an uploaded video, read on the blocking pool.
pub async fn video_duration(temp: &TempUpload) -> Option<f64> {
    let path: PathBuf = temp.path().to_owned();
    let extension = temp.extension();
    let seconds = tokio::task::spawn_blocking(move || {
        let mut file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
        duration::read_duration(&mut file, extension)
    })
    .await
    .ok()??;
    Some((seconds * 100.0).round() / 100.0)
}

/// Deletes a stored file; failure is logged, not fatal (the file is orphaned, the request succeeded).
pub async fn remove(store: &dyn MediaStore, key: &str) {
    if let Err(e) = store.delete(key).await {
        tracing::warn!(media.key = %key, error = %e, "could not remove a media file");
    }
}
