//! Coupons: the create parameters, the object, whether one can still be redeemed, and the discount it
//! gives a Checkout Session as Stripe computes it (percent off rounded to the nearest minor unit, half up;
//! amount off capped at the subtotal).

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::ids::new_id;
use crate::params::{EXPAND, Shape};
use crate::rules;

/// `POST /v1/coupons` parameters.
pub const CREATE_PARAMS: &[(&str, Shape)] = &[
    ("id", Shape::Leaf),
    ("percent_off", Shape::Leaf),
    ("amount_off", Shape::Leaf),
    ("currency", Shape::Leaf),
    ("duration", Shape::Leaf),
    ("max_redemptions", Shape::Leaf),
    ("redeem_by", Shape::Leaf),
    ("name", Shape::Leaf),
    ("metadata", Shape::Free),
    EXPAND,
];

/// Percent off in millionths of the whole (12.5 % is 125 000), so the rounding is exact.
const PERCENT_SCALE: i64 = 1_000_000;

/// How much a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Off {
    /// A share of the subtotal, in millionths (`PERCENT_SCALE` is 100 %).
    Percent(i64),
    /// A fixed amount in the minor unit of the coupon's currency.
    Amount(i64),
}

/// Parses `POST /v1/coupons` into the coupon object (`times_redeemed: 0`, `valid: true`).
pub fn parse(params: &Map<String, Value>, now: i64) -> Result<Value, ApiError> {
    let text = |key: &str| params.get(key).and_then(Value::as_str);
    let percent = text("percent_off");
    let amount = text("amount_off");
    let (percent_off, amount_off, currency) = match (percent, amount) {
        (Some(_), Some(_)) => {
            return Err(ApiError::state(
                "You may only specify one of these parameters: amount_off, percent_off.",
            ));
        }
        (None, None) => {
            return Err(ApiError::state(
                "You must specify either amount_off or percent_off.",
            ));
        }
        (Some(p), None) => {
            percent_millionths(p)?;
            let value: f64 = p.parse().unwrap_or_default();
            (json!(value), Value::Null, Value::Null)
        }
        (None, Some(a)) => {
            let a = positive(a, "amount_off")?;
            let currency = text("currency").ok_or_else(|| ApiError::missing("currency"))?;
            (
                Value::Null,
                json!(a),
                json!(rules::currency("currency", currency)?),
            )
        }
    };
    if percent.is_some() && text("currency").is_some() {
        return Err(ApiError::invalid(
            "currency",
            "currency may only be set together with amount_off.",
        ));
    }
    match text("duration") {
        None | Some("once") => {}
        Some(other) => {
            return Err(ApiError::invalid(
                "duration",
                format!(
                    "The simulator implements only duration=once (one-time payments), not '{other}'."
                ),
            ));
        }
    }
    let max_redemptions = text("max_redemptions")
        .map(|m| positive(m, "max_redemptions"))
        .transpose()?;
    let redeem_by = match text("redeem_by") {
        None => None,
        Some(t) => match t.parse::<i64>() {
            Ok(at) if at > now => Some(at),
            Ok(_) => {
                return Err(ApiError::invalid(
                    "redeem_by",
                    "Invalid timestamp: must be in the future.",
                ));
            }
            Err(_) => {
                return Err(ApiError::invalid(
                    "redeem_by",
                    format!("Invalid integer: {t}"),
                ));
            }
        },
    };
    if let Some(name) = text("name")
        && name.chars().count() > 40
    {
        return Err(ApiError::invalid(
            "name",
            "Invalid name: must be at most 40 characters.",
        ));
    }
    let metadata = match params.get("metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    rules::metadata("metadata", &metadata)?;
    let id = match text("id") {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => new_id("").trim_start_matches('_')[..8].to_ascii_uppercase(),
    };
    Ok(json!({
        "id": id,
        "object": "coupon",
        "amount_off": amount_off,
        "applies_to": null,
        "created": now,
        "currency": currency,
        "currency_options": null,
        "duration": "once",
        "duration_in_months": null,
        "livemode": false,
        "max_redemptions": max_redemptions,
        "metadata": metadata,
        "name": text("name"),
        "percent_off": percent_off,
        "redeem_by": redeem_by,
        "times_redeemed": 0,
        "valid": true,
    }))
}

/// Whether the coupon can still be redeemed at `now` (Stripe's `valid`).
pub fn still_valid(coupon: &Value, now: i64) -> bool {
    let used_up = coupon["max_redemptions"]
        .as_i64()
        .is_some_and(|max| coupon["times_redeemed"].as_i64().unwrap_or(0) >= max);
    let expired = coupon["redeem_by"].as_i64().is_some_and(|at| at <= now);
    !used_up && !expired
}

/// What the coupon takes off (from a stored coupon object).
pub fn off(coupon: &Value) -> Off {
    match coupon["amount_off"].as_i64() {
        Some(amount) => Off::Amount(amount),
        None => {
            Off::Percent(percent_millionths(&coupon["percent_off"].to_string()).unwrap_or_default())
        }
    }
}

/// The discount on `subtotal`: percent off rounded half up to the minor unit, amount off capped.
pub fn discount(off: Off, subtotal: i64) -> i64 {
    match off {
        Off::Percent(millionths) => {
            let exact = i128::from(subtotal) * i128::from(millionths);
            let scale = i128::from(PERCENT_SCALE);
            i64::try_from((exact + scale / 2) / scale).unwrap_or(subtotal)
        }
        Off::Amount(amount) => amount.min(subtotal),
    }
}

/// `"12.5"` → 125 000 (millionths); more than 100 %, zero, or more than four decimals is refused.
fn percent_millionths(text: &str) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::invalid(
            "percent_off",
            format!(
                "Invalid percent_off: {text}. Must be a number greater than 0 and at most 100."
            ),
        )
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || fraction.len() > 4
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let whole: i64 = whole.parse().map_err(|_| invalid())?;
    let fraction: i64 = format!("{fraction:0<4}").parse().map_err(|_| invalid())?;
    let value = whole.saturating_mul(10_000).saturating_add(fraction);
    if value == 0 || value > 100 * 10_000 {
        return Err(invalid());
    }
    Ok(value)
}

fn positive(text: &str, param: &str) -> Result<i64, ApiError> {
    match text.parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(ApiError::invalid(
            param,
            format!("Invalid positive integer: {text}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_off_is_rounded_to_the_nearest_cent_half_up() {
        let p = |text: &str| Off::Percent(percent_millionths(text).unwrap());
        assert_eq!(discount(p("25"), 50), 13, "12.5 cents rounds up");
        assert_eq!(discount(p("15"), 1999), 300, "299.85 rounds up");
        assert_eq!(discount(p("10"), 1999), 200, "199.9 rounds up");
        assert_eq!(discount(p("12.5"), 1999), 250, "249.875 rounds up");
        assert_eq!(discount(p("33.3333"), 1000), 333);
        assert_eq!(discount(p("100"), 1999), 1999);
    }

    #[test]
    fn amount_off_is_capped_at_the_subtotal() {
        assert_eq!(discount(Off::Amount(500), 1999), 500);
        assert_eq!(discount(Off::Amount(5000), 1999), 1999);
    }

    #[test]
    fn percentages_outside_0_to_100_are_refused() {
        for bad in ["0", "100.01", "-5", "abc", "1.23456", ""] {
            assert!(percent_millionths(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stored_coupons_percentage_reads_back_exactly() {
        let params: Map<String, Value> = [("percent_off".to_owned(), json!("12.5"))]
            .into_iter()
            .collect();
        let coupon = parse(&params, 0).unwrap();
        assert_eq!(off(&coupon), Off::Percent(125_000));
        assert_eq!(coupon["id"].as_str().unwrap().len(), 8);
    }
}
