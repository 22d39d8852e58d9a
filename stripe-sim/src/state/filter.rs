//! Which events `GET /v1/events` returns.

use serde_json::Value;

use super::StoredEvent;

/// `GET /v1/events` parameters.
#[derive(Debug, Clone)]
pub struct EventFilter {
    /// 1..=100, default 10.
    pub limit: usize,
    /// Cursor: the last id of the previous page.
    pub starting_after: Option<String>,
    /// `type` (may end in `*`) and `types[]`.
    pub types: Vec<String>,
    /// `created[gte]` / `created[gt]` / `created[lte]` / `created[lt]` folded into an inclusive range.
    pub created: (i64, i64),
}

impl EventFilter {
    pub(super) fn matches(&self, e: &StoredEvent) -> bool {
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => e.kind.starts_with(prefix),
                None => *t == e.kind,
            });
        let created = serde_json::from_str::<Value>(&e.payload)
            .ok()
            .and_then(|v| v["created"].as_i64())
            .unwrap_or(0);
        type_ok && (self.created.0..=self.created.1).contains(&created)
    }
}
