//! The S3 media backend against a real S3-compatible server (moto, started by `scripts/test`, which
//! exports `S3_ENDPOINT`): uploads land in the bucket and nowhere on disk, thumbnails and ranges of videos
//! are served from it, and replaced or deleted media is removed from it.

use futures_util::TryStreamExt as _;
use reqwest::Client;
use serde_json::Value;
use shared::media::MediaStore as _;
use shared::media::s3::{S3Config, S3Store};

use crate::helpers::{TestApp, files_under, form, mp4, png, spawn_app_with_vars};

/// Bytes of a multipart part in `S3Store`; a video larger than this goes up in several parts.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// A fresh bucket on the test server, and course-service storing media in it.
pub(crate) struct S3App {
    pub(crate) app: TestApp,
    /// A signed client of the same bucket, to look behind the service (moto refuses anonymous reads).
    pub(crate) bucket: S3Store,
}

impl S3App {
    async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// As `spawn`, with more course-service variables (`MEDIA_DELIVERY`, ...).
    pub(crate) async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let endpoint = std::env::var("S3_ENDPOINT").expect(
            "S3_ENDPOINT is not set: run the tests through scripts/test, which starts moto",
        );
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let bucket = format!("media-{}", test_support::run_id());
        // object_store cannot create buckets; moto accepts a plain unsigned CreateBucket.
        let res = Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "create bucket: {}", res.status());
        let vars = [
            ("MEDIA_BACKEND", "s3"),
            ("S3_ENDPOINT", &endpoint),
            ("S3_BUCKET", &bucket),
            ("S3_REGION", "us-east-1"),
            ("S3_ACCESS_KEY_ID", "test-key"),
            ("S3_SECRET_ACCESS_KEY", "test-secret"),
        ];
        let app = spawn_app_with_vars(&[&vars[..], extra].concat()).await;
        let bucket = S3Store::new(&S3Config {
            bucket,
            endpoint: Some(endpoint),
            region: "us-east-1".to_owned(),
            access_key_id: "test-key".to_owned(),
            secret_access_key: "test-secret".to_owned(),
        })
        .unwrap();
        Self { app, bucket }
    }

    /// The object behind a media URL, read straight from the bucket; `None` when it is not there.
    pub(crate) async fn object(&self, media_url: &str) -> Option<Vec<u8>> {
        let key = media_url.trim_start_matches("/api/v1/media/");
        let size = self.bucket.size(key).await.unwrap()?;
        let body = self.bucket.read_range(key, 0, size).await.unwrap()?;
        let chunks: Vec<_> = body.try_collect().await.unwrap();
        Some(chunks.concat())
    }

    /// Nothing but empty folders is left in the local media directory (uploads only pass through it).
    fn assert_no_local_files(&self) {
        assert_eq!(
            files_under(&self.app.media_dir),
            Vec::<std::path::PathBuf>::new()
        );
    }
}

#[tokio::test]
async fn s3_media_is_served_with_ranges_and_removed_when_replaced_or_deleted() {
    let s3 = S3App::spawn().await;
    let app = &s3.app;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Cloud").await;
    let course_id = course["_id"].as_str().unwrap();
    let lecture = app
        .add_lecture(&owner.token, course_id, "Intro", 1, false)
        .await;
    s3.assert_no_local_files();

    let thumb_url = course["thumbnail"].as_str().unwrap().to_owned();
    assert_eq!(
        s3.object(&thumb_url).await,
        Some(png()),
        "thumbnail in the bucket"
    );
    let res = app.get(&thumb_url, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png());

    let video_url = lecture["videoUrl"].as_str().unwrap().to_owned();
    let stored = s3.object(&video_url).await.expect("video in the bucket");
    assert_eq!(stored, mp4(12.5, 4096));
    let res = app
        .request(reqwest::Method::GET, &video_url, Some(&owner.token))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 100-199/{}", stored.len()).as_str()
    );
    assert_eq!(res.headers()["content-length"], "100");
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        stored[100..200].to_vec()
    );
    let res = app
        .request(reqwest::Method::GET, &video_url, Some(&owner.token))
        .header("range", format!("bytes={}-", stored.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    // The access rules still apply: a stranger may not watch a non-preview video.
    let stranger = app.user("student").await;
    assert_eq!(
        app.get(&video_url, Some(&stranger.token)).await.status(),
        403
    );

    let path = format!("/api/v1/courses/{course_id}");
    let res = app
        .patch_form(
            &path,
            Some(&owner.token),
            form(&[], Some(("thumbnail", "n.png", png()))),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let new_thumb = body["course"]["thumbnail"].as_str().unwrap().to_owned();
    assert_ne!(new_thumb, thumb_url);
    assert!(
        s3.object(&new_thumb).await.is_some(),
        "new thumbnail stored"
    );
    assert_eq!(
        s3.object(&thumb_url).await,
        None,
        "the replaced thumbnail is removed"
    );
    assert_eq!(app.get(&thumb_url, None).await.status(), 404);

    let res = app.delete(&path, Some(&owner.token)).await;
    assert!(res.status().is_success(), "delete course: {}", res.status());
    assert_eq!(
        s3.object(&new_thumb).await,
        None,
        "thumbnail removed with the course"
    );
    assert_eq!(
        s3.object(&video_url).await,
        None,
        "video removed with the course"
    );
    s3.assert_no_local_files();
}

#[tokio::test]
async fn a_video_larger_than_one_part_goes_up_in_parts_and_reads_across_the_boundary() {
    let s3 = S3App::spawn().await;
    let app = &s3.app;
    let owner = app.user("instructor").await;
    let course = app.create_course(&owner.token, "Long").await;
    let course_id = course["_id"].as_str().unwrap();
    let video = mp4(60.0, PART_BYTES + 1024 * 1024);
    let res = app
        .post_form(
            &format!("/api/v1/courses/{course_id}/lectures"),
            Some(&owner.token),
            form(
                &[("title", "Big"), ("order", "1"), ("isPreview", "false")],
                Some(("video", "big.mp4", video.clone())),
            ),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let video_url = body["lecture"]["videoUrl"].as_str().unwrap().to_owned();
    s3.assert_no_local_files();
    assert!(
        s3.object(&video_url).await.unwrap() == video,
        "the whole video arrived intact"
    );

    let (start, end) = (PART_BYTES - 50, PART_BYTES + 49);
    let res = app
        .request(reqwest::Method::GET, &video_url, Some(&owner.token))
        .header("range", format!("bytes={start}-{end}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        video[start..=end].to_vec()
    );
    let res = app.get(&video_url, Some(&owner.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"],
        video.len().to_string().as_str()
    );
    assert!(
        res.bytes().await.unwrap().to_vec() == video,
        "the full body"
    );
}
