//! Listing helpers every service repeats: `page`/`limit` pagination and escaping user text before it is
//! used in a `$regex`.

use serde::{Deserialize, Serialize};

/// Largest `limit` a listing accepts.
pub const MAX_LIMIT: u64 = 100;
/// `limit` when none is given.
pub const DEFAULT_LIMIT: u64 = 10;

/// The `page` and `limit` query parameters of a listing with no other filter, read as text so that a bad
/// value is the service's own 400 (`parse`), not the extractor's. One type, so every such listing
/// documents and refuses them alike.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Default 1
    #[cfg_attr(feature = "openapi", param(value_type = Option<u64>, minimum = 1, maximum = 1000000))]
    pub page: Option<String>,
    /// Default 10
    #[cfg_attr(feature = "openapi", param(value_type = Option<u64>, minimum = 1, maximum = 100))]
    pub limit: Option<String>,
}

impl PageQuery {
    /// The page asked for; the error names the field.
    pub fn parse(&self) -> Result<Page, crate::error::ApiError> {
        Page::parse(self.page.as_deref(), self.limit.as_deref())
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u64,
    pub limit: u64,
}

impl Page {
    /// Parses raw `page`/`limit` strings; the error names the field.
    pub fn parse(page: Option<&str>, limit: Option<&str>) -> Result<Self, crate::error::ApiError> {
        // A blank value is refused like any other non-number: `page=` is not "no page" to a schema.
        let page = match page.map(str::trim) {
            None => 1,
            Some(p) => p
                .parse::<u64>()
                .ok()
                .filter(|p| (1..=1_000_000).contains(p))
                .ok_or_else(|| {
                    crate::error::ApiError::invalid_field("page", "page must be a positive integer")
                })?,
        };
        let limit = match limit.map(str::trim) {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<u64>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    crate::error::ApiError::invalid_field(
                        "limit",
                        "limit must be an integer from 1 to 100",
                    )
                })?,
        };
        Ok(Self { page, limit })
    }

    /// How many documents to skip.
    pub fn skip(self) -> u64 {
        (self.page - 1) * self.limit
    }

    /// The `pagination` object of a listing response.
    pub fn meta(self, total: u64) -> Pagination {
        Pagination {
            page: self.page,
            limit: self.limit,
            total,
            pages: total.div_ceil(self.limit),
        }
    }
}

/// `"pagination": { page, limit, total, pages }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pagination {
    pub page: u64,
    pub limit: u64,
    pub total: u64,
    pub pages: u64,
}

/// Escapes every regex metacharacter so user text matches literally (no injection, no ReDoS).
pub fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\.^$|?*+()[]{}-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page { page: 1, limit: 10 }
        );
        assert_eq!(Page::parse(Some("3"), Some("100")).unwrap().skip(), 200);
        assert!(Page::parse(Some("0"), None).is_err());
        assert!(Page::parse(None, Some("101")).is_err());
        assert!(Page::parse(Some("x"), None).is_err());
        assert_eq!(Page { page: 1, limit: 10 }.meta(21).pages, 3);
        assert_eq!(Page { page: 1, limit: 10 }.meta(0).pages, 0);
    }

    #[test]
    fn metacharacters_are_escaped() {
        assert_eq!(escape_regex("a.*(b"), "a\\.\\*\\(b");
        assert_eq!(escape_regex("\\"), "\\\\");
        assert_eq!(escape_regex("plain"), "plain");
    }
}
