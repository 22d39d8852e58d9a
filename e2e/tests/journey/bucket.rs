//! A fresh bucket on the test's S3 server (moto at `S3_ENDPOINT`, which `./scripts/test` starts) with the
//! CORS rule `docs/deploy.md` asks for, and the course-service variables that keep media in it and answer a
//! permitted media request with a `307` to a presigned URL (`MEDIA_DELIVERY=redirect`).

use test_support::run_id;

/// Credentials moto accepts (any); course-service signs its requests and presigned URLs with them.
const ACCESS_KEY_ID: &str = "e2e-key";
const SECRET_ACCESS_KEY: &str = "e2e-secret";

/// One test's bucket.
pub struct Bucket {
    /// moto's base URL, e.g. `http://127.0.0.1:5000`.
    pub endpoint: String,
    pub name: String,
}

impl Bucket {
    /// Creates the bucket and lets `frontend` (an origin) read ranges of its objects cross-origin.
    /// Fails, never skips, when `S3_ENDPOINT` is unset or moto does not answer.
    pub async fn create(frontend: &str) -> Self {
        let endpoint = std::env::var("S3_ENDPOINT").expect(
            "S3_ENDPOINT is not set: run the tests through ./scripts/test, which starts moto",
        );
        let bucket = Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            name: format!("e2e-media-{}", &run_id()[..12]),
        };
        // moto (without its IAM checks, as scripts/test runs it) takes unsigned requests; a real bucket's
        // CORS would be set once by its operator, not by the services.
        let client = reqwest::Client::new();
        let res = client
            .put(bucket.url())
            .send()
            .await
            .unwrap_or_else(|e| panic!("moto at {} does not answer: {e}", bucket.endpoint));
        assert!(res.status().is_success(), "CreateBucket: {}", res.status());
        let cors = format!(
            "<CORSConfiguration><CORSRule>\
             <AllowedOrigin>{frontend}</AllowedOrigin>\
             <AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>\
             <AllowedHeader>Range</AllowedHeader>\
             <ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>Content-Length</ExposeHeader>\
             <ExposeHeader>Accept-Ranges</ExposeHeader>\
             <MaxAgeSeconds>600</MaxAgeSeconds>\
             </CORSRule></CORSConfiguration>"
        );
        let res = client
            .put(format!("{}?cors", bucket.url()))
            .header("content-type", "application/xml")
            .body(cors)
            .send()
            .await
            .expect("PutBucketCors");
        assert!(res.status().is_success(), "PutBucketCors: {}", res.status());
        bucket
    }

    /// `{endpoint}/{bucket}`: every presigned URL of its objects starts with it (path-style).
    pub fn url(&self) -> String {
        format!("{}/{}", self.endpoint, self.name)
    }

    /// course-service's variables: media in this bucket, permitted requests redirected to presigned URLs.
    pub fn redirect_vars(&self) -> [(&'static str, &str); 7] {
        [
            ("MEDIA_BACKEND", "s3"),
            ("MEDIA_DELIVERY", "redirect"),
            ("S3_ENDPOINT", self.endpoint.as_str()),
            ("S3_BUCKET", self.name.as_str()),
            ("S3_REGION", "us-east-1"),
            ("S3_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ]
    }
}
