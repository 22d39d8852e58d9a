//! Stripe's list envelope and cursor paging, shared by every list endpoint: `limit` (1–100, default 10),
//! `starting_after` (the page after an object, going back in time) and `ending_before` (the page before
//! it, going forward), newest first either way.

use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// The paging parameters of a list request.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    /// Objects per page.
    pub limit: usize,
    /// Cursor: the last id of the previous (older) page.
    pub starting_after: Option<String>,
    /// Cursor: the first id of the next (newer) page.
    pub ending_before: Option<String>,
}

impl Paging {
    /// Reads `limit`, `starting_after` and `ending_before`; both cursors at once is Stripe's error.
    pub fn parse(params: &Map<String, Value>) -> Result<Self, ApiError> {
        let limit = match params.get("limit").and_then(Value::as_str) {
            None => 10,
            Some(l) => match l.parse::<usize>() {
                Ok(l) if (1..=100).contains(&l) => l,
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        "This value must be between 1 and 100.",
                    ));
                }
            },
        };
        let text = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let paging = Self {
            limit,
            starting_after: text("starting_after"),
            ending_before: text("ending_before"),
        };
        if paging.starting_after.is_some() && paging.ending_before.is_some() {
            return Err(ApiError::state(
                "You may only specify one of these parameters: ending_before, starting_after.",
            ));
        }
        Ok(paging)
    }
}

/// One page of the `items` that `keep` selects (all newest first, each with its id) in Stripe's list
/// envelope. A cursor is a position in the whole list, so it may name an object the filter leaves out; one
/// that names no object at all is `resource_missing`, naming `object` (e.g. `event`).
pub fn page(
    items: Vec<(String, Value)>,
    keep: impl Fn(&Value) -> bool,
    paging: &Paging,
    url: &str,
    object: &str,
) -> Result<Value, ApiError> {
    let position = |cursor: &str, param: &str| {
        items
            .iter()
            .position(|(id, _)| id == cursor)
            .ok_or_else(|| ApiError::no_such(object, cursor, Some(param)))
    };
    let (start, end) = match (&paging.starting_after, &paging.ending_before) {
        (Some(after), _) => (position(after, "starting_after")? + 1, items.len()),
        (None, Some(before)) => (0, position(before, "ending_before")?),
        (None, None) => (0, items.len()),
    };
    let mut selected: Vec<Value> = items
        .into_iter()
        .take(end)
        .skip(start)
        .map(|(_, v)| v)
        .filter(|v| keep(v))
        .collect();
    let has_more = selected.len() > paging.limit;
    if paging.ending_before.is_some() {
        // The page just before the cursor: the oldest `limit` of the newer objects.
        selected.drain(..selected.len().saturating_sub(paging.limit));
    } else {
        selected.truncate(paging.limit);
    }
    Ok(json!({ "object": "list", "data": selected, "has_more": has_more, "url": url }))
}

/// `created` or `created[gt|gte|lt|lte]` folded into an inclusive range (`params::check` has refused any
/// other key).
pub fn created_range(params: &Map<String, Value>) -> Result<(i64, i64), ApiError> {
    let mut created = (i64::MIN, i64::MAX);
    match params.get("created") {
        Some(Value::String(exact)) => {
            let at = parse_time("created", exact)?;
            created = (at, at);
        }
        Some(Value::Object(range)) => {
            for (op, v) in range {
                let at = parse_time(&format!("created[{op}]"), v.as_str().unwrap_or_default())?;
                match op.as_str() {
                    "gte" => created.0 = created.0.max(at),
                    "gt" => created.0 = created.0.max(at.saturating_add(1)),
                    "lte" => created.1 = created.1.min(at),
                    _ => created.1 = created.1.min(at.saturating_sub(1)),
                }
            }
        }
        _ => {}
    }
    Ok(created)
}

fn parse_time(param: &str, value: &str) -> Result<i64, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::invalid(param, format!("Invalid integer: {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, Value)> {
        // Newest first: id 9 is the newest of ten.
        (0..n).rev().map(|i| (i.to_string(), json!(i))).collect()
    }

    fn ids(page: &Value) -> Vec<i64> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    }

    fn paging(limit: usize, after: Option<&str>, before: Option<&str>) -> Paging {
        Paging {
            limit,
            starting_after: after.map(str::to_owned),
            ending_before: before.map(str::to_owned),
        }
    }

    #[test]
    fn starting_after_pages_back_in_time_until_has_more_is_false() {
        let first = page(items(10), |_| true, &paging(4, None, None), "/v1/x", "x").unwrap();
        assert_eq!(ids(&first), [9, 8, 7, 6]);
        assert_eq!(first["has_more"], true);
        let last = page(
            items(10),
            |_| true,
            &paging(4, Some("2"), None),
            "/v1/x",
            "x",
        )
        .unwrap();
        assert_eq!(ids(&last), [1, 0]);
        assert_eq!(last["has_more"], false);
    }

    #[test]
    fn ending_before_pages_forward_in_time_and_ends() {
        let newer = page(
            items(10),
            |_| true,
            &paging(3, None, Some("2")),
            "/v1/x",
            "x",
        )
        .unwrap();
        assert_eq!(ids(&newer), [5, 4, 3]);
        assert_eq!(newer["has_more"], true);
        let newest = page(
            items(10),
            |_| true,
            &paging(3, None, Some("7")),
            "/v1/x",
            "x",
        )
        .unwrap();
        assert_eq!(ids(&newest), [9, 8]);
        assert_eq!(newest["has_more"], false);
        let none = page(
            items(10),
            |_| true,
            &paging(3, None, Some("9")),
            "/v1/x",
            "x",
        )
        .unwrap();
        assert!(ids(&none).is_empty());
    }

    #[test]
    fn a_cursor_left_out_by_the_filter_still_marks_the_position() {
        let even = |v: &Value| v.as_i64().is_some_and(|i| i % 2 == 0);
        let after = page(items(10), even, &paging(2, Some("7"), None), "/v1/x", "x").unwrap();
        assert_eq!(ids(&after), [6, 4]);
        assert_eq!(after["has_more"], true);
        let before = page(items(10), even, &paging(2, None, Some("3")), "/v1/x", "x").unwrap();
        assert_eq!(ids(&before), [6, 4]);
        assert_eq!(before["has_more"], true);
    }

    #[test]
    fn an_unknown_cursor_is_resource_missing() {
        let e = page(
            items(3),
            |_| true,
            &paging(3, Some("nope"), None),
            "/v1/x",
            "event",
        )
        .unwrap_err();
        assert_eq!(e.body()["error"]["code"], "resource_missing");
        assert_eq!(e.body()["error"]["param"], "starting_after");
    }
}
