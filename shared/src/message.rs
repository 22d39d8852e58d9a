//! `{ success, message }`: the answer of a command that returns no resource. One type for every service,
//! so the `MessageResponse` schema the gateway merges is one definition, not copies that could drift.

use serde::Serialize;

/// `{ success, message }`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageResponse {
    pub success: bool,
    pub message: String,
}

impl MessageResponse {
    /// A success with `message`.
    pub fn ok(message: &str) -> Self {
        Self {
            success: true,
            message: message.to_owned(),
        }
    }
}
