//! Stripe's form encoding: `a[b][0][c]=v` pairs decoded into one nested JSON value.
//!
//! Stripe clients (async-stripe uses serde_qs) send parameters as `application/x-www-form-urlencoded` with
//! bracketed keys; numeric segments are list indexes. Every leaf stays a string, as Stripe receives it; the
//! handlers parse numbers where they need them and name the parameter they cannot parse.

use serde_json::{Map, Value};

/// A parameter that could not be decoded, named as Stripe names it (`line_items[0][quantity]`).
#[derive(Debug, PartialEq, Eq)]
pub struct FormError {
    /// The offending key.
    pub param: String,
    /// What is wrong with it.
    pub message: String,
}

/// Decodes a form body or query string into an object; repeated or conflicting keys are an error.
pub fn decode(input: &[u8]) -> Result<Map<String, Value>, FormError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(input).map_err(|e| FormError {
            param: String::new(),
            message: format!("Invalid form encoding: {e}"),
        })?;
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let path = split_key(&key).ok_or_else(|| FormError {
            param: key.clone(),
            message: format!("Invalid parameter name: {key}"),
        })?;
        insert(&mut root, &path, value).map_err(|()| FormError {
            param: key.clone(),
            message: format!("Conflicting values for parameter: {key}"),
        })?;
    }
    // The root stays an object even when its keys look like indexes.
    let Value::Object(root) = root else {
        return Ok(Map::new());
    };
    Ok(root
        .into_iter()
        .map(|(k, v)| (k, lists_from_index_maps(v)))
        .collect())
}

/// `a[b][0]` → `["a", "b", "0"]`; `a[]` appends (`"[]"` becomes an empty segment).
fn split_key(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        path.push(inner[..close].to_owned());
        rest = &inner[close + 1..];
    }
    Some(path)
}

fn insert(node: &mut Value, path: &[String], value: String) -> Result<(), ()> {
    let Value::Object(map) = node else {
        return Err(());
    };
    let (first, rest) = path.split_first().ok_or(())?;
    // `a[]=x&a[]=y`: an empty segment means "next index".
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        if map.contains_key(&key) {
            return Err(());
        }
        map.insert(key, Value::String(value));
        return Ok(());
    }
    let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    insert(child, rest, value)
}

/// Objects whose keys are all `0..n` become arrays in index order.
fn lists_from_index_maps(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let all_indexes = !map.is_empty()
                && map
                    .keys()
                    .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
            if all_indexes {
                let mut items: Vec<(usize, Value)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(usize::MAX), lists_from_index_maps(v)))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, lists_from_index_maps(v)))
                        .collect(),
                )
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_keys_and_indexes_become_objects_and_lists() {
        let body = b"mode=payment&line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=1999\
&line_items[0][quantity]=1&metadata[courseId]=c1&payment_method_types[]=card&payment_method_types[]=link";
        let map = decode(body).unwrap();
        assert_eq!(
            Value::Object(map),
            json!({
                "mode": "payment",
                "line_items": [{"price_data": {"unit_amount": "1999"}, "quantity": "1"}],
                "metadata": {"courseId": "c1"},
                "payment_method_types": ["card", "link"],
            })
        );
    }

    #[test]
    fn a_repeated_key_is_refused_with_its_name() {
        let err = decode(b"mode=payment&mode=setup").unwrap_err();
        assert_eq!(err.param, "mode");
    }

    #[test]
    fn a_malformed_bracket_is_refused() {
        assert_eq!(decode(b"a[b=1").unwrap_err().param, "a[b");
        assert_eq!(decode(b"[x]=1").unwrap_err().param, "[x]");
    }
}
