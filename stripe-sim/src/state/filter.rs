//! Which events `GET /v1/events` returns.

use serde_json::Value;

/// `GET /v1/events` parameters.
#[derive(Debug, Clone)]
pub struct EventFilter {
    /// `type` (may end in `*`) and `types[]`.
    pub types: Vec<String>,
    /// `created[gte]` / `created[gt]` / `created[lte]` / `created[lt]` folded into an inclusive range.
    pub created: (i64, i64),
}

impl EventFilter {
    /// Whether the event object passes the type and creation-time filters.
    pub fn matches(&self, event: &Value) -> bool {
        let kind = event["type"].as_str().unwrap_or_default();
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => kind.starts_with(prefix),
                None => t == kind,
            });
        let created = event["created"].as_i64().unwrap_or(0);
        type_ok && (self.created.0..=self.created.1).contains(&created)
    }
}
