//! The parameters each endpoint knows, as a tree: anything else is refused the way Stripe refuses it,
//! `400 parameter_unknown` naming the parameter in Stripe's bracket form (`line_items[0][price_data][foo]`).
//!
//! Why a whitelist and not "ignore what we do not read": a caller that misspells a parameter (or sends one
//! the simulator does not implement) gets a silently different object from a lenient fake and an error
//! from Stripe. Refusing here makes the test fail where production would.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// What a parameter may hold.
#[derive(Debug)]
pub enum Shape {
    /// A string (numbers and booleans arrive as strings in a form).
    Leaf,
    /// Free-form keys with string values (`metadata[...]`).
    Free,
    /// A hash with these keys.
    Hash(&'static [(&'static str, Shape)]),
    /// A list (`a[0]`, `a[]`) of items of one shape.
    List(&'static Shape),
    /// Either a string or a hash with these keys (`created` or `created[gte]`).
    LeafOrHash(&'static [(&'static str, Shape)]),
}

/// `expand[]`, accepted everywhere as Stripe does (the simulator expands nothing).
pub const EXPAND: (&str, Shape) = ("expand", Shape::List(&Shape::Leaf));

/// `created`, `created[gt]`, ... on list endpoints.
pub const CREATED: (&str, Shape) = (
    "created",
    Shape::LeafOrHash(&[
        ("gt", Shape::Leaf),
        ("gte", Shape::Leaf),
        ("lt", Shape::Leaf),
        ("lte", Shape::Leaf),
    ]),
);

/// Refuses the first parameter of `params` that `known` does not list.
pub fn check(params: &Map<String, Value>, known: &[(&str, Shape)]) -> Result<(), ApiError> {
    check_hash(params, known, None)
}

fn check_hash(
    map: &Map<String, Value>,
    known: &[(&str, Shape)],
    prefix: Option<&str>,
) -> Result<(), ApiError> {
    for (key, value) in map {
        let name = match prefix {
            Some(p) => format!("{p}[{key}]"),
            None => key.clone(),
        };
        let Some((_, shape)) = known.iter().find(|(k, _)| k == key) else {
            return Err(ApiError::unknown_parameter(&name));
        };
        check_value(value, shape, &name)?;
    }
    Ok(())
}

fn check_value(value: &Value, shape: &Shape, name: &str) -> Result<(), ApiError> {
    match (shape, value) {
        (Shape::Leaf | Shape::LeafOrHash(_), Value::String(_)) => Ok(()),
        (Shape::Hash(known) | Shape::LeafOrHash(known), Value::Object(map)) => {
            check_hash(map, known, Some(name))
        }
        // `metadata=` (empty) clears metadata in Stripe; a hash must hold strings only.
        (Shape::Free, Value::String(s)) if s.is_empty() => Ok(()),
        (Shape::Free, Value::Object(map)) => match map.iter().find(|(_, v)| !v.is_string()) {
            Some((k, _)) => Err(ApiError::invalid(
                format!("{name}[{k}]"),
                "Invalid string: metadata values must be strings.",
            )),
            None => Ok(()),
        },
        (Shape::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                check_value(v, item, &format!("{name}[{i}]"))?;
            }
            Ok(())
        }
        // A list given with names that are not indexes: the first such name is unknown.
        (Shape::List(_), Value::Object(map)) => match map.keys().next() {
            Some(k) => Err(ApiError::unknown_parameter(&format!("{name}[{k}]"))),
            None => Ok(()),
        },
        (Shape::Leaf, _) => Err(ApiError::invalid(name, "Invalid string")),
        (Shape::List(_), _) => Err(ApiError::invalid(name, "Invalid array")),
        (Shape::Hash(_) | Shape::Free | Shape::LeafOrHash(_), _) => {
            Err(ApiError::invalid(name, "Invalid hash"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form;

    const KNOWN: &[(&str, Shape)] = &[
        ("mode", Shape::Leaf),
        ("metadata", Shape::Free),
        (
            "line_items",
            Shape::List(&Shape::Hash(&[(
                "price_data",
                Shape::Hash(&[("currency", Shape::Leaf)]),
            )])),
        ),
        EXPAND,
        CREATED,
    ];

    fn refused(body: &str) -> serde_json::Value {
        let params = form::decode(body.as_bytes()).unwrap();
        check(&params, KNOWN).unwrap_err().body()["error"].clone()
    }

    #[test]
    fn known_parameters_and_free_form_metadata_pass() {
        let body = "mode=payment&metadata[anything]=x&line_items[0][price_data][currency]=usd\
&expand[]=payment_intent&created[gte]=1";
        assert!(check(&form::decode(body.as_bytes()).unwrap(), KNOWN).is_ok());
        assert!(check(&form::decode(b"created=5").unwrap(), KNOWN).is_ok());
    }

    #[test]
    fn an_unknown_parameter_is_named_in_brackets_with_stripes_message() {
        let error = refused("mode=payment&line_items[0][price_data][foo]=1");
        assert_eq!(error["code"], "parameter_unknown");
        assert_eq!(error["param"], "line_items[0][price_data][foo]");
        assert_eq!(
            error["message"],
            "Received unknown parameter: line_items[0][price_data][foo]"
        );
        assert_eq!(refused("colour=red")["param"], "colour");
        assert_eq!(refused("created[after]=1")["param"], "created[after]");
    }

    #[test]
    fn nested_metadata_and_a_hash_for_a_string_are_invalid() {
        assert_eq!(refused("metadata[a][b]=1")["param"], "metadata[a]");
        assert_eq!(refused("mode[x]=1")["code"], "parameter_invalid");
    }
}
