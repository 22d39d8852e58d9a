//! Tests for sniffing, key validation, the local disk store and streaming uploads.

use actix_multipart::Multipart;
use actix_web::{App, HttpResponse, test as atest, web};

use super::*;

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("shared-media-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file_count(&self, sub: &str) -> usize {
        std::fs::read_dir(self.0.join(sub))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn png_of(len: usize) -> Vec<u8> {
    let mut bytes = PNG.to_vec();
    bytes.resize(len.max(PNG.len()), 0xAB);
    bytes
}

#[test]
fn sniff_recognises_each_format_only_for_its_kind() {
    use MediaKind::{Image, Video};
    assert_eq!(sniff(Image, &[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
    assert_eq!(sniff(Image, PNG), Some("png"));
    assert_eq!(sniff(Image, b"GIF89a\x01\x00"), Some("gif"));
    assert_eq!(sniff(Image, b"GIF87a\x01\x00"), Some("gif"));
    assert_eq!(sniff(Image, b"RIFF\x24\x00\x00\x00WEBPVP8 "), Some("webp"));
    assert_eq!(
        sniff(Image, b"RIFF\x24\x00\x00\x00WAVEfmt "),
        None,
        "a WAV file is RIFF too"
    );
    assert_eq!(sniff(Video, b"\x00\x00\x00\x20ftypisom"), Some("mp4"));
    assert_eq!(sniff(Video, &[0x1A, 0x45, 0xDF, 0xA3, 0x9F]), Some("webm"));
    assert_eq!(sniff(Video, PNG), None);
    assert_eq!(sniff(Image, b"\x00\x00\x00\x20ftypisom"), None);
    assert_eq!(sniff(Image, b"<svg xmlns="), None, "SVG can carry scripts");
    assert_eq!(sniff(Image, &[0xFF, 0xD8]), None);
    assert_eq!(sniff(Image, b""), None);
}

#[test]
fn keys_that_could_escape_the_root_are_rejected() {
    for good in [
        "avatars/0b8e.png",
        "thumbnails/a-b_c.webp",
        "videos/course1/lecture.mp4",
    ] {
        assert!(validate_key(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "/etc/passwd",
        "../secret",
        "avatars/../../x",
        "a\\b.png",
        "a//b",
        "./a",
        "a/",
        "a b",
        "a\0b",
    ] {
        assert!(validate_key(bad).is_err(), "{bad:?}");
    }
    assert!(new_key("avatars", "png").starts_with("avatars/"));
    assert!(validate_key(&new_key("avatars", "png")).is_ok());
}

fn temp_upload(dir: &Path, bytes: &[u8]) -> TempUpload {
    let path = dir.join(format!("upload-{}.part", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).unwrap();
    TempUpload {
        path,
        size: bytes.len() as u64,
        extension: "png",
        persisted: false,
    }
}

#[tokio::test]
async fn the_local_store_moves_uploads_into_place_and_deletes_them() {
    let tmp = TempDir::new();
    let store = LocalDiskStore::new(tmp.0.join("media")).unwrap();
    let upload = temp_upload(&tmp.0, &png_of(64));
    let temp_path = upload.path().to_owned();
    let key = new_key("avatars", "png");
    let stored = store.put(upload, &key).await.unwrap();
    assert_eq!(
        stored,
        StoredMedia {
            key: key.clone(),
            size: 64
        }
    );
    assert!(!temp_path.exists(), "the temp file was moved, not copied");
    let path = store.local_path(&key).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), png_of(64));

    store.delete(&key).await.unwrap();
    assert!(!path.exists());
    store.delete(&key).await.unwrap();
    assert!(matches!(
        store.delete("../x").await,
        Err(MediaError::InvalidKey)
    ));
    assert_eq!(store.local_path("../x"), None);

    let upload = temp_upload(&tmp.0, PNG);
    let temp_path = upload.path().to_owned();
    assert!(store.put(upload, "/abs.png").await.is_err());
    assert!(!temp_path.exists(), "a refused upload is cleaned up");
}

#[test]
fn a_dropped_temp_upload_removes_its_file() {
    let tmp = TempDir::new();
    let upload = temp_upload(&tmp.0, PNG);
    let path = upload.path().to_owned();
    drop(upload);
    assert!(!path.exists());
}

#[derive(Clone)]
struct UploadTest {
    tmp: PathBuf,
    kind: MediaKind,
    max_bytes: u64,
    store: LocalDiskStore,
}

async fn upload(mut form: Multipart, cfg: web::Data<UploadTest>) -> Result<HttpResponse, ApiError> {
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| MediaError::Multipart(e.to_string()))?;
        if field.name() == Some("file") {
            let temp = save_field_to_temp(&mut field, &cfg.tmp, cfg.kind, cfg.max_bytes).await?;
            let key = new_key("avatars", temp.extension());
            let stored = cfg.store.put(temp, &key).await?;
            return Ok(HttpResponse::Created()
                .json(serde_json::json!({ "key": stored.key, "size": stored.size })));
        }
    }
    Err(ApiError::invalid_field("file", "File is required"))
}

async fn post_file(cfg: &UploadTest, bytes: &[u8], content_type: &str) -> (u16, serde_json::Value) {
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(cfg.clone()))
            .route("/upload", web::post().to(upload)),
    )
    .await;
    let mut body = Vec::new();
    body.extend_from_slice(
        b"--XBOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n",
    );
    body.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--XBOUNDARY--\r\n");
    let req = atest::TestRequest::post()
        .uri("/upload")
        .insert_header(("content-type", "multipart/form-data; boundary=XBOUNDARY"))
        .set_payload(body)
        .to_request();
    let res = atest::call_service(&app, req).await;
    let status = res.status().as_u16();
    let body = atest::read_body(res).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn upload_test(dir: &TempDir, kind: MediaKind, max_bytes: u64) -> UploadTest {
    let store = LocalDiskStore::new(dir.0.join("media")).unwrap();
    UploadTest {
        tmp: dir.0.join("tmp"),
        kind,
        max_bytes,
        store,
    }
}

#[actix_web::test]
async fn an_image_under_the_limit_is_stored() {
    let dir = TempDir::new();
    let cfg = upload_test(&dir, MediaKind::Image, 1024);
    let (status, body) = post_file(&cfg, &png_of(1024), "image/png").await;
    assert_eq!(status, 201, "{body}");
    let key = body["key"].as_str().unwrap();
    assert!(key.ends_with(".png"));
    assert_eq!(body["size"], 1024);
    assert_eq!(
        std::fs::read(cfg.store.local_path(key).unwrap()).unwrap(),
        png_of(1024)
    );
    assert_eq!(dir.file_count("tmp"), 0);
}

#[actix_web::test]
async fn an_oversized_upload_is_refused_with_413_and_leaves_nothing() {
    let dir = TempDir::new();
    let cfg = upload_test(&dir, MediaKind::Image, 1024);
    let (status, body) = post_file(&cfg, &png_of(1025), "image/png").await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "PAYLOAD_TOO_LARGE");
    assert_eq!(dir.file_count("tmp"), 0);
    assert_eq!(dir.file_count("media/avatars"), 0);
}

#[actix_web::test]
async fn a_png_sent_as_a_video_is_refused_with_415() {
    let dir = TempDir::new();
    let cfg = upload_test(&dir, MediaKind::Video, 1 << 20);
    // The declared Content-Type is not trusted either way; only the bytes count.
    let (status, body) = post_file(&cfg, &png_of(4096), "video/mp4").await;
    assert_eq!(status, 415);
    assert_eq!(body["error"], "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(dir.file_count("tmp"), 0);
}

#[actix_web::test]
async fn an_empty_file_is_an_unsupported_type() {
    let dir = TempDir::new();
    let cfg = upload_test(&dir, MediaKind::Image, 1024);
    let (status, body) = post_file(&cfg, b"", "image/png").await;
    assert_eq!(status, 415);
    assert_eq!(body["error"], "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(dir.file_count("tmp"), 0);
}
