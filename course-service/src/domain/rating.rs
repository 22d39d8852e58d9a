//! Star ratings: a review's 1-5 stars, a review's text, and a course's aggregate (a count per star, from
//! which the count, the sum and the average follow). The aggregate changes only by [`RatingDelta`]s,
//! applied with atomic increments in the same write path as the review (`crate::reviews`).

use serde::{Deserialize, Serialize};

/// A review's stars: a whole number from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Stars(u8);

impl Stars {
    pub const MESSAGE: &'static str = "Rating must be a whole number from 1 to 5";

    pub fn new(n: i64) -> Result<Self, String> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(Self)
            .ok_or_else(|| Self::MESSAGE.to_owned())
    }

    /// A JSON number: whole (`4` or `4.0`) and from 1 to 5.
    pub fn from_number(n: f64) -> Result<Self, String> {
        if n.fract() != 0.0 || !(1.0..=5.0).contains(&n) {
            return Err(Self::MESSAGE.to_owned());
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked to be a whole number from 1 to 5"
        )]
        Self::new(n as i64)
    }

    /// Parses a query value such as `4`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let n: i64 = raw.trim().parse().map_err(|_| Self::MESSAGE.to_owned())?;
        Self::new(n)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// 0 for one star, 4 for five: the star's place in a histogram.
    pub fn index(self) -> usize {
        usize::from(self.0 - 1)
    }
}

impl TryFrom<i64> for Stars {
    type Error = String;

    fn try_from(n: i64) -> Result<Self, String> {
        Self::new(n)
    }
}

impl From<Stars> for i64 {
    fn from(s: Stars) -> Self {
        i64::from(s.0)
    }
}

/// A review's comment: trimmed plain text of at most 2,000 characters, line breaks and tabs allowed, any
/// other control character refused. Stored and answered as the literal text (never HTML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewText(String);

impl ReviewText {
    pub const MAX: usize = 2_000;

    /// `label` names the field in the error (`Comment`, `Reply`).
    pub fn parse(raw: &str, label: &str, required: bool) -> Result<Self, String> {
        super::text::bounded(raw, label, usize::from(required), Self::MAX).map(Self)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// How many reviews gave each number of stars (index 0: one star).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram(pub [i64; 5]);

impl Histogram {
    pub fn count(&self) -> i64 {
        self.0.iter().sum()
    }

    /// Total stars given.
    pub fn sum(&self) -> i64 {
        self.0.iter().zip(1..).map(|(n, stars)| n * stars).sum()
    }

    /// The exact mean, `None` without reviews.
    pub fn average(&self) -> Option<f64> {
        average(self.sum(), self.count())
    }

    pub fn add(&mut self, stars: Stars) {
        self.0[stars.index()] += 1;
    }
}

/// `sum / count`, `None` when `count` is not positive.
#[expect(
    clippy::cast_precision_loss,
    reason = "counts and sums of stars stay far below 2^52"
)]
pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

/// How far below a half an average may fall (a binary fraction) and still round up.
pub const ROUNDING_TOLERANCE: f64 = 1e-9;

/// The average as answered: one decimal, half up.
pub fn one_decimal(average: f64) -> f64 {
    (average * 10.0 + ROUNDING_TOLERANCE).round() / 10.0
}

/// A change to a course's aggregate: per star, how many reviews to add (negative: remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingDelta(pub [i64; 5]);

impl RatingDelta {
    /// A counted review appears.
    pub fn added(stars: Stars) -> Self {
        let mut d = Self::default();
        d.0[stars.index()] = 1;
        d
    }

    /// A counted review disappears.
    pub fn removed(stars: Stars) -> Self {
        let mut d = Self::default();
        d.0[stars.index()] = -1;
        d
    }

    /// A counted review changes its stars.
    pub fn changed(from: Stars, to: Stars) -> Self {
        let mut d = Self::default();
        d.0[from.index()] -= 1;
        d.0[to.index()] += 1;
        d
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|n| *n == 0)
    }

    pub fn count(&self) -> i64 {
        Histogram(self.0).count()
    }

    pub fn sum(&self) -> i64 {
        Histogram(self.0).sum()
    }
}
