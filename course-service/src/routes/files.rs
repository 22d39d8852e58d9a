//! `GET /media/{key}`: serves stored thumbnails (public) and lecture videos (previews of published
//! courses, the owner, admins and enrolled students; anonymous callers 401, others 403), streamed from
//! the `MediaStore` (local disk or S3) with single-range `Range` support (206, 416) so players can seek;
//! or, with `MEDIA_DELIVERY=redirect` (S3), answered `307` to a short-lived presigned URL after the same
//! access check.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use shared::error::{ApiError, NOT_LOGGED_IN};
use shared::media::content_type;
use shared::openapi::Binary;
use shared::principal::MaybePrincipal;

use super::access::course_access;
use super::dto::ErrorEnvelope;
use crate::config::MediaDelivery;
use crate::error::{CourseError, CourseResult};
use crate::media::{THUMBNAILS, VIDEOS};
use crate::state::AppState;
use crate::store::object_id;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/media/{key:.+}").route(web::get().to(get_media)));
}

const MEDIA_NOT_FOUND: CourseError = CourseError::NotFound("Media not found");

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) range: the whole file, 200.
    Full,
    /// Bytes `start..=end`, 206.
    Partial { start: u64, end: u64 },
    /// 416.
    Unsatisfiable,
}

/// Parses a single `bytes=` range (RFC 9110 §14); malformed or multi-range headers are ignored (200).
pub fn parse_range(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => RangeRequest::Full,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Partial {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        },
        (start, end) => {
            let Some(start) = number(start) else {
                return RangeRequest::Full;
            };
            let end = if end.is_empty() {
                Some(u64::MAX)
            } else {
                number(end)
            };
            match end {
                None => RangeRequest::Full,
                Some(end) if end < start => RangeRequest::Full,
                Some(_) if start >= len => RangeRequest::Unsatisfiable,
                Some(end) => RangeRequest::Partial {
                    start,
                    end: end.min(len - 1),
                },
            }
        }
    }
}

/// A stored file, checked against the caller's rights to it.
#[utoipa::path(
    get,
    path = "/api/v1/media/{key}",
    tag = "media",
    params(
        ("key" = String, Path, description = "`thumbnails/<file>` or `videos/<file>` as in `thumbnail` / `videoUrl`"),
        ("Range" = Option<String>, Header, description = "One range: `bytes=a-b`, `bytes=a-` or `bytes=-n`"),
    ),
    responses(
        (status = 200, description = "The whole file", content(
            (Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "image/webp"), (Binary = "image/gif"),
            (Binary = "video/mp4"), (Binary = "video/webm"),
        ), headers(
            ("Accept-Ranges" = String, description = "`bytes`: a `Range` request is answered 206"),
        )),
        (status = 206, description = "The requested bytes", content(
            (Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "image/webp"), (Binary = "image/gif"),
            (Binary = "video/mp4"), (Binary = "video/webm"),
        ), headers(
            ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`"),
            ("Accept-Ranges" = String, description = "`bytes`"),
        )),
        (status = 307, description = "`MEDIA_DELIVERY=redirect` (S3 only): the caller may read the file; \
            fetch it (with any `Range`) from `Location`, a presigned URL that expires within \
            `MEDIA_URL_TTL_SECS` and never after the caller's access token", headers(
            ("Location" = String, description = "Presigned `GET` URL of the object; a credential, not to be shared or cached"),
            ("Cache-Control" = String, description = "`private, no-store`"),
        )),
        (status = 401, description = "A token was sent and is bad or expired (\"JWT token error\")", body = ErrorEnvelope),
        (status = 403, description = "A video the caller may not watch", body = ErrorEnvelope),
        (status = 404, description = "Unknown media", body = ErrorEnvelope),
        (status = 416, description = "The range starts past the end (`Content-Range: bytes */<size>`)", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []), ("cookie" = [])),
)]
async fn get_media(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<String>,
    req: HttpRequest,
) -> CourseResult<HttpResponse> {
    let key = path.into_inner();
    shared::media::validate_key(&key).map_err(|_| MEDIA_NOT_FOUND)?;
    let (folder, name) = key.split_once('/').ok_or(MEDIA_NOT_FOUND)?;
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    // What the caller's token has left, read before `may_watch` takes the caller.
    let token_left = caller
        .0
        .as_ref()
        .map(|p| Duration::from_secs(p.claims.remaining_secs(unix_now()).max(0).unsigned_abs()));
    let cache = match folder {
        THUMBNAILS => "public, max-age=86400",
        VIDEOS => {
            may_watch(&state, caller, &key).await?;
            "private, no-store"
        }
        _ => return Err(MEDIA_NOT_FOUND),
    };
    let len = state
        .media
        .size(&key)
        .await
        .map_err(|e| anyhow::Error::from(e).context("reading media metadata"))?
        .ok_or(MEDIA_NOT_FOUND)?;
    if state.settings.media_delivery == MediaDelivery::Redirect {
        return redirect(&state, &key, token_left).await;
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let mut res = match parse_range(range, len) {
        RangeRequest::Unsatisfiable => {
            let body = ApiError::new(
                shared::error::ErrorCode::ValidationError,
                "Requested range not satisfiable",
            )
            .body(shared::http::current_request_id().as_deref());
            let mut body = serde_json::to_value(body).unwrap_or_default();
            body["error"] = json!("RANGE_NOT_SATISFIABLE");
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .json(body));
        }
        RangeRequest::Full => {
            let body = read(&state, &key, 0, len).await?;
            let mut res = HttpResponse::Ok();
            res.no_chunking(len);
            res.streaming(body)
        }
        RangeRequest::Partial { start, end } => {
            let body = read(&state, &key, start, end + 1).await?;
            let count = end - start + 1;
            let mut res = HttpResponse::PartialContent();
            res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            res.no_chunking(count);
            res.streaming(body)
        }
    };
    let headers = res.headers_mut();
    headers.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type(extension)),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// `307` to a presigned URL of `key` that lives `MEDIA_URL_TTL_SECS`, never past the caller's token.
async fn redirect(
    state: &AppState,
    key: &str,
    token_left: Option<Duration>,
) -> CourseResult<HttpResponse> {
    let ttl = redirect_ttl(state.settings.media_url_ttl, token_left);
    // The URL is a credential: it goes into the `Location` header and nowhere else (no log line).
    let url = state
        .media
        .presigned_get(key, ttl)
        .await
        .map_err(|e| anyhow::Error::from(e).context("presigning a media URL"))?
        .ok_or_else(|| {
            anyhow::anyhow!("MEDIA_DELIVERY=redirect with a store that cannot presign")
        })?;
    Ok(HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, url))
        // Per caller and short-lived: no cache may keep or share it.
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .finish())
}

/// The configured TTL, cut to what the caller's token has left (at least a second, as S3 wants).
pub fn redirect_ttl(configured: Duration, token_left: Option<Duration>) -> Duration {
    token_left
        .map_or(configured, |left| configured.min(left))
        .max(Duration::from_secs(1))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Bytes `start..end` of `key`; 404 when the file went away since its size was read.
async fn read(
    state: &AppState,
    key: &str,
    start: u64,
    end: u64,
) -> CourseResult<shared::media::MediaStream> {
    let body = state
        .media
        .read_range(key, start, end)
        .await
        .map_err(|e| anyhow::Error::from(e).context("reading a media file"))?;
    body.ok_or(MEDIA_NOT_FOUND)
}

/// 404 for a video no lecture owns, 401 for anonymous callers of a non-preview, 403 for others who may not.
async fn may_watch(state: &AppState, caller: MaybePrincipal, key: &str) -> CourseResult<()> {
    let lecture = state.store.lectures.find_by_video(key).await?;
    let lecture = lecture.ok_or(MEDIA_NOT_FOUND)?;
    let course_id = object_id(&lecture.course_id).ok_or(MEDIA_NOT_FOUND)?;
    let course = state.store.courses.find_by_id(course_id).await?;
    let course = course.ok_or(MEDIA_NOT_FOUND)?;
    if lecture.is_preview && course.is_published {
        return Ok(());
    }
    let Some(caller) = caller.0 else {
        return Err(ApiError::unauthorized(NOT_LOGGED_IN).into());
    };
    let access = match course_access(state, Some(&caller), course_id, &course).await {
        Err(CourseError::NotFound(_)) => {
            Err(CourseError::Forbidden("You may not watch this video"))
        }
        other => other,
    }?;
    if access.can_watch(&course, &lecture) {
        Ok(())
    } else {
        Err(CourseError::Forbidden(
            "Enrol in the course to watch this video",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{RangeRequest::*, parse_range, redirect_ttl};
    use std::time::Duration;

    #[test]
    fn a_redirect_never_outlives_the_callers_token() {
        let secs = Duration::from_secs;
        assert_eq!(redirect_ttl(secs(300), None), secs(300));
        assert_eq!(redirect_ttl(secs(300), Some(secs(900))), secs(300));
        assert_eq!(redirect_ttl(secs(300), Some(secs(42))), secs(42));
        assert_eq!(redirect_ttl(secs(300), Some(secs(0))), secs(1));
    }

    #[test]
    fn single_ranges_are_honoured_and_clamped() {
        assert_eq!(
            parse_range(Some("bytes=100-199"), 1000),
            Partial {
                start: 100,
                end: 199
            }
        );
        assert_eq!(
            parse_range(Some("bytes=900-"), 1000),
            Partial {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range(Some("bytes=-100"), 1000),
            Partial {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range(Some("bytes=990-2000"), 1000),
            Partial {
                start: 990,
                end: 999
            }
        );
        assert_eq!(
            parse_range(Some("bytes=-5000"), 1000),
            Partial { start: 0, end: 999 }
        );
    }

    #[test]
    fn unsatisfiable_and_ignored_ranges() {
        assert_eq!(parse_range(Some("bytes=1000-"), 1000), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 1000), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(parse_range(None, 1000), Full);
        assert_eq!(parse_range(Some("bytes=5-1"), 1000), Full);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 1000), Full);
        assert_eq!(parse_range(Some("items=0-1"), 1000), Full);
        assert_eq!(parse_range(Some("bytes=a-b"), 1000), Full);
    }
}
