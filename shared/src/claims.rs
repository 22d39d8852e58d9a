//! Access-token claims and roles: what every service learns about the caller from a verified token.

use serde::{Deserialize, Serialize};

/// The `typ` header value of our access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// A user's role. `admin` can never be chosen at sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Student,
    Instructor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Student => "student",
            Self::Instructor => "instructor",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "student" => Ok(Self::Student),
            "instructor" => Ok(Self::Instructor),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown role `{other}`")),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Claims of an access token signed by auth-service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id (ObjectId hex).
    pub sub: String,
    pub role: Role,
    /// Unique token id, the key for per-token revocation.
    pub jti: String,
    /// Issued at, seconds since the epoch; compared with the user's "not before".
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// Refresh session the token was issued for, if any (absent for API-key tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// API key the token stands for, when the gateway resolved an API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub akid: Option<String>,
}

impl AccessClaims {
    /// Seconds of life left at `now` (never negative).
    pub fn remaining_secs(&self, now: i64) -> i64 {
        (self.exp - now).max(0)
    }
}
