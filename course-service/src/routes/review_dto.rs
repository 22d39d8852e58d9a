//! The wire shapes of reviews and ratings: request bodies (typed, unknown fields refused) and answers.
//! Comments and replies are plain text: answered as stored, in JSON strings, never as HTML.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::query::Pagination;
use utoipa::ToSchema;

use super::dto::InstructorView;

/// A course's rating: `average` to one decimal (null without reviews), `count`, and `histogram` with how
/// many reviews gave 1, 2, 3, 4 and 5 stars. Hidden reviews and those of refunded purchases are left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    #[schema(required = true, minimum = 1, maximum = 5, example = 4.3)]
    pub average: Option<f64>,
    #[schema(minimum = 0)]
    pub count: u64,
    /// One star first.
    #[schema(min_items = 5, max_items = 5)]
    pub histogram: Vec<u64>,
}

/// `POST /courses/{courseId}/reviews`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReviewBody {
    /// Whole stars; `4.0` is the integer 4 as JSON Schema reads it, `4.5` is refused.
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    pub rating: f64,
    /// Plain text, trimmed, at most 2000 characters; line breaks and tabs allowed, other control
    /// characters refused. May be left out.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        nullable = false
    )]
    #[serde(default)]
    pub comment: Option<String>,
}

/// `PATCH /courses/{courseId}/reviews/{reviewId}`: at least one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewChangesBody {
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 5, nullable = false)]
    #[serde(default)]
    pub rating: Option<f64>,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        nullable = false
    )]
    #[serde(default)]
    pub comment: Option<String>,
}

/// `PUT /courses/{courseId}/reviews/{reviewId}/reply`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Plain text, trimmed, 1 to 2000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub text: String,
}

/// `PUT /courses/{courseId}/reviews/{reviewId}/moderation`: hide (with a reason) or show a review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    pub hidden: bool,
    /// Required to hide, 1 to 500 characters; ignored when showing.
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        nullable = false
    )]
    #[serde(default)]
    pub reason: Option<String>,
}

/// The instructor's reply to a review.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplyView {
    #[schema(max_length = 2000)]
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A review as anyone sees it: the reviewer's name and avatar (never the e-mail).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// The course's id.
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub course: String,
    /// `{ _id, name, avatar }`; name and avatar null when auth-service could not be asked.
    pub reviewer: InstructorView,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    #[schema(max_length = 2000)]
    pub comment: String,
    /// Changed by its author since it was written.
    pub edited: bool,
    #[schema(required = true)]
    pub reply: Option<ReplyView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A review as its author (and a moderator) sees it: also whether it is hidden, why, and whether it
/// still counts as a verified purchase.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnReviewView {
    #[serde(flatten)]
    pub review: ReviewView,
    pub hidden: bool,
    /// The moderator's reason while hidden.
    #[schema(required = true)]
    pub hidden_reason: Option<String>,
    /// False once the purchase was refunded: the review then leaves the public list and the rating.
    pub verified_purchase: bool,
}

/// `{ success, review }` of the write routes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    pub success: bool,
    pub review: OwnReviewView,
}

/// A page of a course's public reviews, with the course's rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewListResponse {
    pub success: bool,
    pub rating: RatingView,
    pub data: Vec<ReviewView>,
    pub pagination: Pagination,
}

/// A page of the caller's own reviews, hidden ones included.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnReviewListResponse {
    pub success: bool,
    pub data: Vec<OwnReviewView>,
    pub pagination: Pagination,
}

/// `{reviewId}`: a review's ObjectId, 24 hex digits.
#[derive(utoipa::IntoParams)]
#[into_params(names("reviewId"), parameter_in = Path)]
pub struct ReviewIdPath(
    /// Review id (ObjectId hex)
    #[param(pattern = "^[0-9a-fA-F]{24}$")]
    pub String,
);

/// Query of `GET /courses/{courseId}/reviews` (values parsed by the handler, so a bad one is its 400).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewListQuery {
    /// Default 1
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Default 10
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `newest` (default), `highest` or `lowest`
    #[param(pattern = r"^\s*(newest|highest|lowest)?\s*$")]
    pub sort: Option<String>,
    /// Only reviews of this many stars (1 to 5)
    #[param(pattern = r"^\s*[1-5]?\s*$")]
    pub rating: Option<String>,
}
