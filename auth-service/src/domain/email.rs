//! A syntactically valid, lower-cased e-mail address.

/// An e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses user input; the message is what the client sees.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim().to_lowercase();
        const BAD: &str = "Please provide a valid email";
        if value.is_empty() || value.len() > 254 {
            return Err(BAD);
        }
        let (local, domain) = value.split_once('@').ok_or(BAD)?;
        // No separate 64-octet limit on the local part (RFC 5321 has one): the whole address is bounded by 254,
        // and a limit on one part of a string is one a JSON Schema pattern cannot state with the others.
        let local_ok = !local.is_empty()
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(value))
        } else {
            Err(BAD)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses_are_lower_cased_and_trimmed() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert!(Email::parse("first.last+tag@sub.example.org").is_ok());
    }

    #[test]
    fn invalid_addresses_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a b@example.com",
            "a@exa mple.com",
            "a..b@x.io",
            "a@-x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_simple_address_parses(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,10}", tld in "[a-z]{2,6}") {
            let raw = format!("{local}@{domain}.{tld}");
            let parsed = Email::parse(&raw).unwrap();
            prop_assert_eq!(parsed.as_str(), raw.as_str());
        }

        #[test]
        fn strings_without_an_at_sign_never_parse(s in "[^@]{0,40}") {
            prop_assert!(Email::parse(&s).is_err());
        }
    }
}
