//! The platform's OpenAPI document: the gateway's own operations merged with each service's document
//! (fetched from the service's `/openapi.json`), cached for a minute. A service that is down leaves its
//! operations out until it is back, and the document says which ones are missing.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::routing::Upstream;

/// How long a merged document is served before the services are asked again.
const CACHE_FOR: Duration = Duration::from_secs(60);
/// How long one service's document may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// The last merged document.
#[derive(Default)]
pub struct DocsCache {
    merged: Mutex<Option<(Instant, Value)>>,
}

impl DocsCache {
    /// The merged document, from the cache while it is fresh and complete. `base_url` names where each
    /// service listens (the state's `upstream_url`); taking it and the client as parameters keeps this
    /// module below `state`, which owns the cache.
    pub async fn document<'a>(
        &self,
        http: &reqwest::Client,
        base_url: impl Fn(Upstream) -> &'a str,
        own: Value,
    ) -> Value {
        if let Some((at, doc)) = self
            .merged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            && at.elapsed() < CACHE_FOR
        {
            return doc.clone();
        }
        let fetched =
            futures_util::future::join_all(Upstream::ALL.iter().map(|u| fetch(http, base_url(*u))))
                .await;
        let mut merged = own;
        let mut missing = Vec::new();
        for (upstream, doc) in Upstream::ALL.iter().zip(fetched) {
            match doc {
                Some(doc) => {
                    for clash in merge(&mut merged, &doc, upstream.name()) {
                        // Two services' types under one name: clients generated from this document would
                        // parse one service's answers as the other's type. A release must rename one.
                        tracing::error!(
                            service = upstream.name(),
                            component = %clash,
                            "OpenAPI documents disagree: two different definitions of one name (the first is served)"
                        );
                    }
                }
                None => missing.push(Value::from(upstream.name())),
            }
        }
        if !missing.is_empty() {
            merged["info"]["x-unavailable-services"] = Value::Array(missing);
        } else {
            *self
                .merged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((Instant::now(), merged.clone()));
        }
        merged
    }
}

async fn fetch(http: &reqwest::Client, base_url: &str) -> Option<Value> {
    let url = format!("{base_url}/openapi.json");
    let res = tokio::time::timeout(FETCH_TIMEOUT, http.get(url).send())
        .await
        .ok()?
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    tokio::time::timeout(FETCH_TIMEOUT, res.json::<Value>())
        .await
        .ok()?
        .ok()
}

/// Adds `doc`'s paths, schemas, security schemes and tags to `into`. A component already present with
/// the same definition is shared (the envelope schemas are the same everywhere); one present with a
/// different definition is a clash: the first stays, and its `components/<section>/<name>` is returned,
/// for the caller to refuse (tests) or log (the gateway). A clashing `operationId` is prefixed with the
/// service's name so that ids stay unique.
#[must_use = "a clash means two services' types share one name"]
pub fn merge(into: &mut Value, doc: &Value, service: &str) -> Vec<String> {
    let mut clashes = Vec::new();
    let mut operation_ids = collect_operation_ids(into);
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let mut item = item.clone();
            if let Some(ops) = item.as_object_mut() {
                for op in ops.values_mut() {
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        let id = if operation_ids.contains(&id.to_owned()) {
                            format!("{service}_{id}")
                        } else {
                            id.to_owned()
                        };
                        operation_ids.push(id.clone());
                        op["operationId"] = Value::from(id);
                    }
                }
            }
            // Indexing turns an absent (null) member into an object; our own document has no non-object
            // `paths` or `components` that it could trip over.
            let slot = &mut into["paths"][path.as_str()];
            if slot.is_null() {
                *slot = item;
            }
        }
    }
    for section in ["schemas", "securitySchemes", "responses", "parameters"] {
        if let Some(entries) = doc["components"][section].as_object() {
            for (name, value) in entries {
                let slot = &mut into["components"][section][name.as_str()];
                if slot.is_null() {
                    *slot = value.clone();
                } else if slot != value {
                    clashes.push(format!("components/{section}/{name}"));
                }
            }
        }
    }
    if let Some(tags) = doc["tags"].as_array() {
        let existing = into["tags"].as_array().cloned().unwrap_or_default();
        let mut all = existing.clone();
        for tag in tags {
            if !existing.iter().any(|t| t["name"] == tag["name"]) {
                all.push(tag.clone());
            }
        }
        into["tags"] = Value::Array(all);
    }
    clashes
}

fn collect_operation_ids(doc: &Value) -> Vec<String> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values())
        .filter_map(|op| op.get("operationId")?.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_merge_paths_schemas_and_tags_with_unique_operation_ids() {
        let mut own = json!({
            "openapi": "3.1.0",
            "paths": { "/api/v1/healthcheck": { "get": { "operationId": "healthcheck" } } },
            "components": { "schemas": { "ErrorEnvelope": { "title": "envelope" } } }
        });
        let auth = json!({
            "paths": {
                "/api/v1/user/signin": { "post": { "operationId": "signin" } },
                "/api/v1/auth/health": { "get": { "operationId": "healthcheck" } }
            },
            "components": {
                "schemas": { "ErrorEnvelope": { "title": "envelope" }, "User": {} },
                "securitySchemes": { "bearer": {} }
            },
            "tags": [{ "name": "auth" }]
        });
        assert_eq!(merge(&mut own, &auth, "auth"), Vec::<String>::new());
        assert_eq!(
            own["paths"]["/api/v1/user/signin"]["post"]["operationId"],
            "signin"
        );
        assert_eq!(
            own["paths"]["/api/v1/auth/health"]["get"]["operationId"],
            "auth_healthcheck"
        );
        assert_eq!(
            own["components"]["schemas"]["ErrorEnvelope"]["title"],
            "envelope"
        );
        assert!(own["components"]["schemas"]["User"].is_object());
        assert!(own["components"]["securitySchemes"]["bearer"].is_object());
        assert_eq!(own["tags"], json!([{ "name": "auth" }]));
    }

    #[test]
    fn two_different_schemas_of_one_name_are_refused_and_the_first_is_kept() {
        let mut merged = json!({ "openapi": "3.1.0", "paths": {} });
        let auth = json!({
            "components": { "schemas": {
                "SessionView": { "type": "object", "required": ["createdAt", "lastUsedAt"] },
                "ErrorEnvelope": { "type": "object" }
            } }
        });
        let payment = json!({
            "components": { "schemas": {
                "SessionView": { "type": "object", "required": ["id", "url"] },
                "ErrorEnvelope": { "type": "object" }
            } }
        });
        assert!(merge(&mut merged, &auth, "auth").is_empty());
        assert_eq!(
            merge(&mut merged, &payment, "payment"),
            vec!["components/schemas/SessionView".to_owned()],
            "the same name, two definitions; the identical ErrorEnvelope is no clash"
        );
        assert_eq!(
            merged["components"]["schemas"]["SessionView"]["required"],
            json!(["createdAt", "lastUsedAt"])
        );
    }
}
