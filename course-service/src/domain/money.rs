//! Prices: USD in the API (a number, up to two decimals), integer cents in storage.

/// A price in whole cents, from 0 to $100,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Price(i64);

impl Price {
    /// The highest price accepted, in cents.
    pub const MAX_CENTS: i64 = 100_000 * 100;

    /// Parses a dollar amount such as `49.99`, `0` or `10`; more than two decimals, negatives, and
    /// non-numbers are refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const MESSAGE: &str = "Price must be a number from 0 to 100000 with at most two decimals";
        let text = raw.trim();
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 7 || frac.len() > 2 || !digits(whole) || !digits(frac)
        {
            return Err(if text.starts_with('-') {
                "Price must not be negative".to_owned()
            } else {
                MESSAGE.to_owned()
            });
        }
        let whole: i64 = whole.parse().map_err(|_| MESSAGE.to_owned())?;
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| MESSAGE.to_owned())? * 10,
            _ => frac.parse().map_err(|_| MESSAGE.to_owned())?,
        };
        let cents = whole * 100 + frac;
        if cents > Self::MAX_CENTS {
            return Err(MESSAGE.to_owned());
        }
        Ok(Self(cents))
    }

    /// Parses a JSON value (a number or a numeric string).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        match value {
            serde_json::Value::Number(n) => Self::parse(&n.to_string()),
            serde_json::Value::String(s) => Self::parse(s),
            _ => Err("Price must be a number".to_owned()),
        }
    }

    pub fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// The price in dollars as the API shows it.
    pub fn dollars(self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "at most 10^7, exact in f64")]
        let cents = self.0 as f64;
        cents / 100.0
    }
}
