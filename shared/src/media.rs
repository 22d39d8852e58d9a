//! Uploaded media: magic-byte sniffing, streaming a multipart field to a temporary file with a size cap,
//! and the `MediaStore` that moves finished uploads into place and reads them back by byte range (local disk
//! here; an S3-compatible store in `s3` behind the feature of that name).

use std::future::Future;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use crate::error::{ApiError, ErrorCode};

/// What an upload is meant to be; decides which formats are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
}

impl MediaKind {
    fn accepted(self) -> &'static str {
        match self {
            Self::Image => "an image (JPEG, PNG, GIF or WebP)",
            Self::Video => "a video (MP4 or WebM)",
        }
    }
}

/// Bytes needed to recognise every accepted format.
const SNIFF_LEN: usize = 12;

/// Bytes read from a local media file per chunk of a streamed response.
const READ_CHUNK: usize = 64 * 1024;

/// The file extension for `first_bytes` if they start a format accepted for `kind`.
pub fn sniff(kind: MediaKind, first_bytes: &[u8]) -> Option<&'static str> {
    let b = first_bytes;
    match kind {
        MediaKind::Image if b.starts_with(&[0xFF, 0xD8, 0xFF]) => Some("jpg"),
        MediaKind::Image if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) => {
            Some("png")
        }
        MediaKind::Image if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") => Some("gif"),
        MediaKind::Image if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" => {
            Some("webp")
        }
        MediaKind::Video if b.len() >= 8 && &b[4..8] == b"ftyp" => Some("mp4"),
        MediaKind::Video if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) => Some("webm"),
        _ => None,
    }
}

/// The `Content-Type` to serve a stored file with, from its extension.
pub fn content_type(extension: &str) -> &'static str {
    match extension {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

/// Why an upload or a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error("the file is not {}", .expected.accepted())]
    UnsupportedType { expected: MediaKind },
    #[error("the file is empty")]
    Empty,
    #[error("invalid multipart body: {0}")]
    Multipart(String),
    #[error("invalid media key")]
    InvalidKey,
    #[error("media i/o failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("media backend failed: {0}")]
    Backend(String),
}

impl From<MediaError> for ApiError {
    fn from(err: MediaError) -> Self {
        match err {
            MediaError::TooLarge { max_bytes } => {
                ApiError::new(ErrorCode::PayloadTooLarge, "File is too large")
                    .with_details(serde_json::json!({ "maxBytes": max_bytes }))
            }
            MediaError::UnsupportedType { expected } => ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!("Unsupported file type: expected {}", expected.accepted()),
            ),
            // No bytes are no image or video either: the same 415 as any file whose bytes do not match,
            // so a request can be judged by its contents alone (an empty upload is a valid binary string).
            MediaError::Empty => ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "Unsupported file type: the file is empty",
            ),
            MediaError::Multipart(_) => ApiError::invalid_field("file", "Invalid multipart upload"),
            // Keys are built by our code, so a bad one is our bug; i/o failures are ours too.
            MediaError::InvalidKey | MediaError::Io(_) | MediaError::Backend(_) => {
                tracing::error!(error = %err, "media storage failed");
                ApiError::internal()
            }
        }
    }
}

/// An upload sitting in a temporary file; the file is deleted on drop unless a store took it.
#[derive(Debug)]
pub struct TempUpload {
    path: PathBuf,
    size: u64,
    extension: &'static str,
    persisted: bool,
}

impl TempUpload {
    /// Where the bytes are now.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Extension matching the sniffed format (`png`, `mp4`, ...).
    pub fn extension(&self) -> &'static str {
        self.extension
    }

    /// Tells the guard the file was moved away (for `MediaStore` implementations).
    pub fn mark_persisted(mut self) {
        self.persisted = true;
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if !self.persisted {
            // Synchronous on purpose: Drop cannot await, and unlinking one file is quick.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where a stored file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub key: String,
    pub size: u64,
}

/// A boxed future, so `MediaStore` stays object-safe without the async-trait crate.
pub type MediaFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, MediaError>> + Send + 'a>>;

/// The bytes of a stored file, streamed in chunks so a 1 GB video is never held in memory.
pub type MediaStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Storage for uploaded files, addressed by keys like `avatars/<uuid>.png`.
pub trait MediaStore: Send + Sync {
    /// Moves a finished upload to `key`.
    fn put<'a>(&'a self, temp: TempUpload, key: &'a str) -> MediaFuture<'a, StoredMedia>;
    /// Removes `key`; a missing file is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> MediaFuture<'a, ()>;
    /// The size of `key` in bytes, `None` when there is no such file (so a `Range` can be checked).
    fn size<'a>(&'a self, key: &'a str) -> MediaFuture<'a, Option<u64>>;
    /// Bytes `start..end` (end exclusive, within the size) of `key`; `None` when the file is gone.
    fn read_range<'a>(
        &'a self,
        key: &'a str,
        start: u64,
        end: u64,
    ) -> MediaFuture<'a, Option<MediaStream>>;
    /// The file behind `key` when the backend is a local disk; `None` elsewhere (S3 has no path).
    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }
    /// A URL that lets whoever holds it `GET` `key` straight from the backend for `ttl`, when the backend
    /// can sign one (S3); `None` for a local disk. The URL is a credential: never log it.
    fn presigned_get<'a>(
        &'a self,
        _key: &'a str,
        _ttl: std::time::Duration,
    ) -> MediaFuture<'a, Option<String>> {
        Box::pin(async { Ok(None) })
    }
}

/// A fresh key: `<folder>/<uuid>.<extension>`.
pub fn new_key(folder: &str, extension: &str) -> String {
    format!("{folder}/{}.{extension}", uuid::Uuid::new_v4())
}

/// Accepts only relative keys made of plain segments, so a key can never leave the store's root.
pub fn validate_key(key: &str) -> Result<(), MediaError> {
    let plain = |seg: &str| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if key.len() > 512 || key.starts_with('/') || !key.split('/').all(plain) {
        return Err(MediaError::InvalidKey);
    }
    Ok(())
}

/// Files under a directory on local disk.
#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// A store rooted at `root`, created if missing.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The directory files live under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    async fn put_file(&self, temp: TempUpload, key: &str) -> Result<StoredMedia, MediaError> {
        validate_key(key)?;
        let dest = self.root.join(key);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        if tokio::fs::rename(temp.path(), &dest).await.is_err() {
            // Rename fails across filesystems (temp dir on another mount): copy beside the target, then
            // rename, so readers never see a half-written file.
            let staging = dest.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()));
            if let Err(e) = tokio::fs::copy(temp.path(), &staging).await {
                let _ = tokio::fs::remove_file(&staging).await;
                return Err(e.into());
            }
            tokio::fs::rename(&staging, &dest).await?;
            tokio::fs::remove_file(temp.path()).await?;
        }
        let size = temp.size();
        temp.mark_persisted();
        Ok(StoredMedia {
            key: key.to_owned(),
            size,
        })
    }

    async fn file_size(&self, key: &str) -> Result<Option<u64>, MediaError> {
        validate_key(key)?;
        match tokio::fs::metadata(self.root.join(key)).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn read_file(
        &self,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Option<MediaStream>, MediaError> {
        validate_key(key)?;
        let mut file = match tokio::fs::File::open(self.root.join(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if start > 0 {
            file.seek(SeekFrom::Start(start)).await?;
        }
        let reader = file.take(end.saturating_sub(start));
        // ReaderStream's default 4 KiB chunks cost a blocking-pool hop each: reading 64 KiB at a time
        // makes the disk proxy several times cheaper per GB (docs/deploy.md, "Media delivery: bench").
        Ok(Some(Box::pin(tokio_util::io::ReaderStream::with_capacity(
            reader, READ_CHUNK,
        ))))
    }

    async fn delete_file(&self, key: &str) -> Result<(), MediaError> {
        validate_key(key)?;
        match tokio::fs::remove_file(self.root.join(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

impl MediaStore for LocalDiskStore {
    fn put<'a>(&'a self, temp: TempUpload, key: &'a str) -> MediaFuture<'a, StoredMedia> {
        Box::pin(self.put_file(temp, key))
    }

    fn delete<'a>(&'a self, key: &'a str) -> MediaFuture<'a, ()> {
        Box::pin(self.delete_file(key))
    }

    fn size<'a>(&'a self, key: &'a str) -> MediaFuture<'a, Option<u64>> {
        Box::pin(self.file_size(key))
    }

    fn read_range<'a>(
        &'a self,
        key: &'a str,
        start: u64,
        end: u64,
    ) -> MediaFuture<'a, Option<MediaStream>> {
        Box::pin(self.read_file(key, start, end))
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        validate_key(key).ok().map(|()| self.root.join(key))
    }
}

/// Streams one multipart field into a temporary file under `tmp_dir`, never holding the whole file in
/// memory. Refuses a format other than `kind` (415) as soon as the first bytes arrive and stops at
/// `max_bytes` (413); on any error nothing is left in `tmp_dir`.
pub async fn save_field_to_temp(
    field: &mut actix_multipart::Field,
    tmp_dir: &Path,
    kind: MediaKind,
    max_bytes: u64,
) -> Result<TempUpload, MediaError> {
    tokio::fs::create_dir_all(tmp_dir).await?;
    // The guard exists before the file, so it removes it on every early return, and is declared first
    // so it runs after the file handle is closed.
    let mut temp = TempUpload {
        path: tmp_dir.join(format!("upload-{}.part", uuid::Uuid::new_v4().simple())),
        size: 0,
        extension: "",
        persisted: false,
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp.path)
        .await?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| MediaError::Multipart(e.to_string()))?;
        temp.size += chunk.len() as u64;
        if temp.size > max_bytes {
            return Err(MediaError::TooLarge { max_bytes });
        }
        if temp.extension.is_empty() {
            head.extend_from_slice(&chunk[..chunk.len().min(SNIFF_LEN - head.len())]);
            if head.len() == SNIFF_LEN {
                temp.extension =
                    sniff(kind, &head).ok_or(MediaError::UnsupportedType { expected: kind })?;
            }
        }
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    drop(file);
    if temp.size == 0 {
        return Err(MediaError::Empty);
    }
    if temp.extension.is_empty() {
        // Shorter than SNIFF_LEN: judge by what there is.
        temp.extension =
            sniff(kind, &head).ok_or(MediaError::UnsupportedType { expected: kind })?;
    }
    Ok(temp)
}

#[cfg(feature = "s3")]
pub mod s3;

#[cfg(test)]
mod tests;
