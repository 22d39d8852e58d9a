//! Short user-supplied texts with length rules: display names and bios.

/// A display name: trimmed, 2–50 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        let len = value.chars().count();
        if len < 2 {
            return Err("Name must be at least 2 characters long");
        }
        if len > 50 {
            return Err("Name cannot exceed 50 characters");
        }
        if value.chars().any(char::is_control) {
            return Err("Name cannot contain control characters");
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A profile bio: trimmed, at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bio(String);

impl Bio {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        if value.chars().count() > 200 {
            return Err("Bio cannot exceed 200 characters");
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn name_boundaries_are_1_2_50_51() {
        assert!(UserName::parse("a").is_err());
        assert!(UserName::parse("ab").is_ok());
        assert!(UserName::parse(&"a".repeat(50)).is_ok());
        assert!(UserName::parse(&"a".repeat(51)).is_err());
        assert_eq!(
            UserName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
    }

    #[test]
    fn bio_is_limited_to_200_characters() {
        assert!(Bio::parse(&"b".repeat(200)).is_ok());
        assert!(Bio::parse(&"b".repeat(201)).is_err());
    }

    proptest! {
        #[test]
        fn accepted_names_are_trimmed_and_within_limits(s in "\\PC{0,60}") {
            if let Ok(n) = UserName::parse(&s) {
                let len = n.as_str().chars().count();
                prop_assert!((2..=50).contains(&len));
                prop_assert_eq!(n.as_str(), n.as_str().trim());
            }
        }
    }
}
