//! Stripe's input rules the simulator enforces: currencies it knows, minimum charge amounts, URLs, e-mail
//! addresses and metadata limits, each refused with Stripe's code and (where known) its message.
//!
//! Sources: Stripe's currency list as async-stripe 1.0.0-rc.10 generates it, Stripe's documented minimum
//! charge amounts and metadata limits. The exact wording of some messages is a guess (docs/stripe-sim.md,
//! "Validation").

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Every currency Stripe accepts (async-stripe's `Currency` enum, lowercase, sorted).
const CURRENCIES: &[&str] = &[
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt",
    "bgn", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf",
    "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "eek", "egp", "etb",
    "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "hrk",
    "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jpy", "kes", "kgs", "khr", "kmf", "krw",
    "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "ltl", "lvl", "mad", "mdl", "mga", "mkd",
    "mmk", "mnt", "mop", "mro", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio",
    "nok", "npr", "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd",
    "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sll", "sos", "srd", "std", "svc",
    "szl", "thb", "tjs", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd", "uyu", "uzs",
    "vef", "vnd", "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
];

/// Currencies without a minor unit: amounts are whole units.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

/// Stripe's minimum charge per settlement currency, in the minor unit. Currencies not listed are
/// converted by Stripe to about USD 0.50; the simulator cannot convert and asks only for a positive total.
const MINIMUM_CHARGE: &[(&str, i64)] = &[
    ("aed", 200),
    ("aud", 50),
    ("bgn", 100),
    ("brl", 50),
    ("cad", 50),
    ("chf", 50),
    ("czk", 1500),
    ("dkk", 250),
    ("eur", 50),
    ("gbp", 30),
    ("hkd", 400),
    ("huf", 17500),
    ("inr", 50),
    ("jpy", 50),
    ("mxn", 1000),
    ("myr", 200),
    ("nok", 300),
    ("nzd", 50),
    ("pln", 200),
    ("ron", 200),
    ("sek", 300),
    ("sgd", 50),
    ("thb", 1000),
    ("usd", 50),
];

/// Metadata: at most 50 keys, keys up to 40 characters, values up to 500.
const METADATA_KEYS: usize = 50;
const METADATA_KEY_CHARS: usize = 40;
const METADATA_VALUE_CHARS: usize = 500;

/// A currency code Stripe knows, lowercased; anything else is `parameter_invalid`.
pub fn currency(param: &str, raw: &str) -> Result<String, ApiError> {
    let code = raw.to_ascii_lowercase();
    if CURRENCIES.binary_search(&code.as_str()).is_ok() {
        return Ok(code);
    }
    Err(ApiError::invalid(
        param,
        format!(
            "Invalid currency: {raw}. Stripe currently supports these currencies: {}",
            CURRENCIES.join(", ")
        ),
    ))
}

/// Refuses a Checkout Session whose amount due is under Stripe's minimum charge for its currency.
pub fn minimum_charge(total: i64, currency: &str) -> Result<(), ApiError> {
    let minimum = MINIMUM_CHARGE
        .iter()
        .find(|(c, _)| *c == currency)
        .map_or(1, |(_, m)| *m);
    if total >= minimum {
        return Ok(());
    }
    Err(ApiError::coded(
        "amount_too_small",
        None,
        format!(
            "The Checkout Session's total amount due must add up to at least {} {currency}",
            format_amount(minimum, currency)
        ),
    ))
}

/// `$19.99`, `€0.50`, `¥50`, `0.50` (no symbol) for other currencies.
pub fn format_amount(amount: i64, currency: &str) -> String {
    let symbol = match currency {
        "usd" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" => "¥",
        _ => "",
    };
    if ZERO_DECIMAL.contains(&currency) {
        return format!("{symbol}{amount}");
    }
    format!("{symbol}{}.{:02}", amount / 100, amount % 100)
}

/// An absolute http(s) URL with a host (Stripe: `url_invalid`, "Not a valid URL").
pub fn url(param: &str, value: &str) -> Result<(), ApiError> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = host.is_some_and(|h| !h.is_empty() && !h.starts_with(':'))
        && !value.chars().any(char::is_whitespace);
    if valid {
        return Ok(());
    }
    Err(ApiError::coded(
        "url_invalid",
        Some(param),
        "Not a valid URL",
    ))
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces (`email_invalid`).
pub fn email(param: &str, value: &str) -> Result<(), ApiError> {
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
                && value.len() <= 512
        }
        None => false,
    };
    if valid {
        return Ok(());
    }
    Err(ApiError::coded(
        "email_invalid",
        Some(param),
        format!("Invalid email address: {value}"),
    ))
}

/// Stripe's metadata limits (the values are strings already: `params::check` saw to that).
pub fn metadata(param: &str, metadata: &Map<String, Value>) -> Result<(), ApiError> {
    if metadata.len() > METADATA_KEYS {
        return Err(ApiError::invalid(
            param,
            format!(
                "Metadata can have up to {METADATA_KEYS} keys, but you've set {}.",
                metadata.len()
            ),
        ));
    }
    for (key, value) in metadata {
        if key.chars().count() > METADATA_KEY_CHARS {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Invalid key: {key} must be a string under {METADATA_KEY_CHARS} characters"
                ),
            ));
        }
        let text = value.as_str().unwrap_or_default();
        if text.chars().count() > METADATA_VALUE_CHARS {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Invalid val: {text} must be a string under {METADATA_VALUE_CHARS} characters"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(e: ApiError) -> Value {
        e.body()["error"].clone()
    }

    #[test]
    fn the_currency_list_is_sorted_for_the_binary_search() {
        assert!(CURRENCIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(currency("c", "USD").unwrap(), "usd");
        assert!(
            error(currency("c", "xyz").unwrap_err())["message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid currency: xyz.")
        );
    }

    #[test]
    fn totals_under_the_minimum_charge_are_refused_in_stripes_words() {
        assert!(minimum_charge(50, "usd").is_ok());
        let e = error(minimum_charge(49, "usd").unwrap_err());
        assert_eq!(
            e["message"],
            "The Checkout Session's total amount due must add up to at least $0.50 usd"
        );
        assert!(minimum_charge(29, "gbp").is_err());
        assert!(minimum_charge(1, "isk").is_ok());
        assert_eq!(format_amount(50, "jpy"), "¥50");
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert!(
            url(
                "u",
                "http://localhost:5173/ok?session_id={CHECKOUT_SESSION_ID}"
            )
            .is_ok()
        );
        assert!(url("u", "https://example.com").is_ok());
        for bad in [
            "example.com",
            "ftp://x.y",
            "https://",
            "http:///path",
            "https://a b",
        ] {
            assert_eq!(
                error(url("u", bad).unwrap_err())["code"],
                "url_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(email("e", "ada@example.com").is_ok());
        for bad in [
            "ada",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@x.io",
        ] {
            assert_eq!(
                error(email("e", bad).unwrap_err())["code"],
                "email_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn metadata_limits_are_50_keys_40_character_keys_and_500_character_values() {
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(metadata("metadata", &many).is_err());
        let long_key: Map<String, Value> = [("k".repeat(41), json!("v"))].into_iter().collect();
        assert!(metadata("metadata", &long_key).is_err());
        let long_value: Map<String, Value> = [("k".to_owned(), json!("v".repeat(501)))]
            .into_iter()
            .collect();
        assert!(metadata("metadata", &long_value).is_err());
        let fine: Map<String, Value> = [("k".repeat(40), json!("v".repeat(500)))]
            .into_iter()
            .collect();
        assert!(metadata("metadata", &fine).is_ok());
    }
}
