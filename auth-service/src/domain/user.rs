//! A user account as the rest of the service sees it, and its public JSON shape.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::claims::Role;
use utoipa::ToSchema;

/// One course the user is enrolled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolledCourse {
    /// The course id.
    pub course: String,
    pub enrolled_at: DateTime<Utc>,
}

/// A user account. The password hash stays inside; it is never serialised.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub avatar: String,
    /// Media-store key of an uploaded avatar, if any (removed when replaced).
    pub avatar_key: Option<String>,
    pub bio: String,
    pub is_active: bool,
    pub enrolled_courses: Vec<EnrolledCourse>,
    pub created_courses: Vec<String>,
    /// Tokens issued before this time (seconds) are refused.
    pub tokens_not_before: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
}

/// The `user` object of every response: never the hash, reset tokens or API keys.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicUser<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub avatar: &'a str,
    pub bio: &'a str,
    pub is_active: bool,
    pub enrolled_courses: &'a [EnrolledCourse],
    pub created_courses: &'a [String],
    pub total_enrolled_courses: usize,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
}

/// The avatar every account starts with.
pub const DEFAULT_AVATAR: &str = "default-avatar.png";

impl User {
    pub fn public(&self) -> PublicUser<'_> {
        PublicUser {
            id: &self.id,
            name: &self.name,
            email: &self.email,
            role: self.role,
            avatar: &self.avatar,
            bio: &self.bio,
            is_active: self.is_active,
            enrolled_courses: &self.enrolled_courses,
            created_courses: &self.created_courses,
            total_enrolled_courses: self.enrolled_courses.len(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_active: self.last_active,
        }
    }
}
