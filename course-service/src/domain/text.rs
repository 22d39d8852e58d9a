//! Text fields of courses and lectures, with the limits `api.md` §4 gives.

use serde::{Deserialize, Serialize};

/// Parses trimmed text of `min..=max` characters; the error message names the field as users see it.
pub(super) fn bounded(raw: &str, label: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        return Err(format!("{label} is required"));
    }
    if len > max {
        return Err(format!("{label} must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(format!("{label} must not contain control characters"));
    }
    Ok(text.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $label:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, String> {
                bounded(raw, $label, $min, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_type!(
    /// A course title: required, at most 100 characters.
    CourseTitle, "Title", 1, 100
);
text_type!(
    /// A course subtitle: at most 200 characters, may be empty.
    Subtitle, "Subtitle", 0, 200
);
text_type!(
    /// A course description. The seed has no limit; ours is 5,000 characters so a document stays small.
    CourseDescription, "Description", 0, 5_000
);
text_type!(
    /// A category: free text, required, at most 50 characters.
    Category, "Category", 1, 50
);
text_type!(
    /// A lecture title: required, at most 100 characters.
    LectureTitle, "Title", 1, 100
);
text_type!(
    /// A lecture description: at most 500 characters.
    LectureDescription, "Description", 0, 500
);
text_type!(
    /// Search text: at most 100 characters, matched literally (it is escaped before any `$regex`).
    SearchText, "Search text", 1, 100
);

/// Course difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "beginner" => Ok(Self::Beginner),
            "intermediate" => Ok(Self::Intermediate),
            "advanced" => Ok(Self::Advanced),
            _ => Err("Level must be one of beginner, intermediate, advanced".to_owned()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Beginner => "beginner",
            Self::Intermediate => "intermediate",
            Self::Advanced => "advanced",
        }
    }
}

/// A lecture's position: a whole number from 0 to 10,000 (clients sort by it; ties keep upload order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LectureOrder(i32);

impl LectureOrder {
    pub const MAX: i32 = 10_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        const MESSAGE: &str = "Order must be a whole number from 0 to 10000";
        let n: f64 = raw.trim().parse().map_err(|_| MESSAGE.to_owned())?;
        if n.fract() != 0.0 || !(0.0..=f64::from(Self::MAX)).contains(&n) {
            return Err(MESSAGE.to_owned());
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked to be a whole number in range"
        )]
        Ok(Self(n as i32))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}
