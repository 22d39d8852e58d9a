//! Shared request checks: ids from paths and bodies (malformed → 400), the caller as an ObjectId, admins.

use mongodb::bson::oid::ObjectId;
use shared::principal::Principal;

use crate::error::{PaymentError, PaymentResult};
use crate::store::object_id;

/// Parses an id; the error names the field.
pub fn parse_id(raw: &str, field: &str) -> PaymentResult<ObjectId> {
    object_id(raw.trim()).ok_or_else(|| PaymentError::field(field, format!("Invalid {field}")))
}

/// The caller's user id as an ObjectId (tokens carry hex ids; anything else cannot own purchases).
pub fn caller_id(caller: &Principal) -> PaymentResult<ObjectId> {
    object_id(&caller.user_id).ok_or(PaymentError::Forbidden("This account cannot buy courses"))
}

/// 403 unless the caller is an admin.
pub fn ensure_admin(caller: &Principal) -> PaymentResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(PaymentError::Forbidden("Only admins may do this"))
    }
}
