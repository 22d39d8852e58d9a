//! Values that parse: an admin's revocation reason, and the reasons the service writes itself.

/// Why a refund revoked a certificate.
pub const REFUNDED: &str = "refunded";
/// Why a deleted account's certificates were revoked.
pub const ACCOUNT_DELETED: &str = "account deleted";
/// Why a re-issued certificate's predecessor was revoked.
pub const SUPERSEDED: &str = "superseded";

/// Longest reason an admin may give.
pub const MAX_REASON_CHARS: usize = 500;

/// An admin's reason for revoking: 3 to 500 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        match trimmed.chars().count() {
            0..=2 => Err("A reason of at least 3 characters is required"),
            n if n > MAX_REASON_CHARS => Err("The reason may be at most 500 characters"),
            _ => Ok(Self(trimmed.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(
            Reason::parse("  fraud  ").map(|r| r.0),
            Ok("fraud".to_owned())
        );
        assert!(Reason::parse(" a ").is_err());
        assert!(Reason::parse(&"x".repeat(501)).is_err());
        assert!(Reason::parse(&"é".repeat(500)).is_ok());
    }
}
