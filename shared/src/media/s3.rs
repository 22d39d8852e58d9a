//! An S3-compatible `MediaStore` (AWS S3, MinIO, moto...) through `object_store`: uploads stream from the
//! temporary file in parts, reads ask the server for exactly the byte range a player wants.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, Signer as _};
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart,
};
use tokio::io::AsyncReadExt as _;

use super::{
    MediaError, MediaFuture, MediaStore, MediaStream, StoredMedia, TempUpload, validate_key,
};

/// Files up to this size go up in one `PUT`; larger ones as a multipart upload of parts this big, so
/// memory stays bounded by a few parts whatever the file's size (S3 wants parts of at least 5 MiB).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight at once during a multipart upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Where the bucket is and how to sign requests to it.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// `None` for AWS itself; `http://127.0.0.1:9000` style for MinIO or moto (path-style requests).
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    // Hand-written so the secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Media in one S3 bucket, one object per key.
#[derive(Debug, Clone)]
pub struct S3Store {
    // The concrete client, not `dyn ObjectStore`: it also signs URLs (`Signer`).
    inner: Arc<AmazonS3>,
}

fn backend(err: object_store::Error) -> MediaError {
    MediaError::Backend(err.to_string())
}

fn object_path(key: &str) -> Result<ObjectPath, MediaError> {
    validate_key(key)?;
    ObjectPath::parse(key).map_err(|_| MediaError::InvalidKey)
}

impl S3Store {
    /// Builds the client; nothing is sent until the first request, so the bucket may come up later.
    pub fn new(config: &S3Config) -> Result<Self, MediaError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if let Some(endpoint) = &config.endpoint {
            // Local servers have no per-bucket host names and often no TLS.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let inner = builder.build().map_err(backend)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> Result<Option<String>, MediaError> {
        let location = object_path(key)?;
        let url = self
            .inner
            .signed_url(Method::GET, &location, ttl)
            .await
            .map_err(backend)?;
        Ok(Some(url.to_string()))
    }

    async fn put_object(&self, temp: TempUpload, key: &str) -> Result<StoredMedia, MediaError> {
        let location = object_path(key)?;
        let size = temp.size();
        let mut file = tokio::fs::File::open(temp.path()).await?;
        if size <= PART_BYTES as u64 {
            let mut buf = Vec::with_capacity(size as usize);
            file.read_to_end(&mut buf).await?;
            self.inner
                .put(&location, PutPayload::from(buf))
                .await
                .map_err(backend)?;
        } else {
            let upload = self.inner.put_multipart(&location).await.map_err(backend)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            if let Err(e) = copy_parts(&mut file, &mut writer).await {
                // Abort so the server drops the parts already sent instead of billing for them.
                let _ = writer.abort().await;
                return Err(e);
            }
            writer.finish().await.map_err(backend)?;
        }
        // Dropping the guard removes the temporary file: the object now lives in the bucket.
        drop(temp);
        Ok(StoredMedia {
            key: key.to_owned(),
            size,
        })
    }

    async fn delete_object(&self, key: &str) -> Result<(), MediaError> {
        match self.inner.delete(&object_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn object_size(&self, key: &str) -> Result<Option<u64>, MediaError> {
        match self.inner.head(&object_path(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn read_object(
        &self,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Option<MediaStream>, MediaError> {
        let location = object_path(key)?;
        if end <= start {
            // S3 refuses an empty range; there is nothing to fetch anyway.
            return Ok(Some(Box::pin(futures_util::stream::empty())));
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..end)),
            ..GetOptions::default()
        };
        match self.inner.get_opts(&location, options).await {
            Ok(result) => Ok(Some(Box::pin(
                result
                    .into_stream()
                    .map(|chunk| chunk.map_err(std::io::Error::other)),
            ))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }
}

/// Feeds the file to the multipart writer a part at a time, waiting while too many parts are in flight.
async fn copy_parts(
    file: &mut tokio::fs::File,
    writer: &mut WriteMultipart,
) -> Result<(), MediaError> {
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(backend)?;
        writer.write(&buf[..n]);
    }
}

impl MediaStore for S3Store {
    fn put<'a>(&'a self, temp: TempUpload, key: &'a str) -> MediaFuture<'a, StoredMedia> {
        Box::pin(self.put_object(temp, key))
    }

    fn delete<'a>(&'a self, key: &'a str) -> MediaFuture<'a, ()> {
        Box::pin(self.delete_object(key))
    }

    fn size<'a>(&'a self, key: &'a str) -> MediaFuture<'a, Option<u64>> {
        Box::pin(self.object_size(key))
    }

    fn read_range<'a>(
        &'a self,
        key: &'a str,
        start: u64,
        end: u64,
    ) -> MediaFuture<'a, Option<MediaStream>> {
        Box::pin(self.read_object(key, start, end))
    }

    fn presigned_get<'a>(&'a self, key: &'a str, ttl: Duration) -> MediaFuture<'a, Option<String>> {
        Box::pin(self.presign_get(key, ttl))
    }
}
