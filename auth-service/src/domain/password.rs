//! A new password that meets the policy: 8–72 printable ASCII characters (so characters are bytes, and 72 is
//! bcrypt's limit, never truncated), a letter and a digit. ASCII keeps the rule one a JSON Schema can state
//! exactly (`maxLength` counts characters, bcrypt counts bytes).

/// A plain-text password that passed the policy. Never logged: `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    pub const MIN_BYTES: usize = 8;
    pub const MAX_BYTES: usize = 72;

    /// Parses a new password; the message is what the client sees.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.len() < Self::MIN_BYTES {
            return Err("Password must be at least 8 characters long");
        }
        if raw.len() > Self::MAX_BYTES {
            return Err("Password must be at most 72 bytes long");
        }
        if !raw.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return Err("Password must use printable ASCII characters only");
        }
        if !raw.bytes().any(|b| b.is_ascii_alphabetic()) || !raw.bytes().any(|b| b.is_ascii_digit())
        {
            return Err("Password must contain at least one letter and one number");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn byte_boundaries_are_7_8_72_73() {
        assert!(Password::parse("abcdef1").is_err());
        assert!(Password::parse("abcdefg1").is_ok());
        assert!(Password::parse(&format!("a1{}", "x".repeat(70))).is_ok());
        assert!(Password::parse(&format!("a1{}", "x".repeat(71))).is_err());
    }

    #[test]
    fn multibyte_characters_count_in_bytes() {
        // 24 three-byte characters are 72 bytes; one more digit makes 73.
        let s = format!("{}1", "€".repeat(24));
        assert_eq!(s.len(), 73);
        assert!(Password::parse(&s).is_err());
    }

    #[test]
    fn only_printable_ascii_is_accepted() {
        assert!(Password::parse("pässword1").is_err());
        assert!(Password::parse("tab\tword1").is_err());
        assert!(Password::parse("a space 1").is_ok());
    }

    #[test]
    fn a_letter_and_a_digit_are_required() {
        assert!(Password::parse("12345678").is_err());
        assert!(Password::parse("abcdefgh").is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("secret123").unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }

    proptest! {
        #[test]
        fn policy_holds_for_any_accepted_password(s in "\\PC{0,80}") {
            if let Ok(p) = Password::parse(&s) {
                prop_assert!(p.expose().len() >= 8 && p.expose().len() <= 72);
                prop_assert!(p.expose().chars().any(|c| c.is_ascii_digit()));
            }
        }
    }
}
