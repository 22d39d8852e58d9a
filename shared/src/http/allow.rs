//! Which methods each path of a service answers, for the HTTP semantics actix-web leaves out: a 405 names
//! the route's real methods in `Allow`, `OPTIONS` without `Origin` answers 204 with `Allow`, and `HEAD`
//! is served wherever `GET` is. The table is built from the service's OpenAPI document (one source of
//! truth for the public routes) plus the routes the document leaves out (health, internal).

use actix_web::http::Method;

/// One path template: literal segments, `{name}` for any one segment, a final `*` for any rest.
#[derive(Debug, Clone)]
struct Template {
    segments: Vec<Segment>,
    methods: Vec<Method>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
    Rest,
}

/// The methods of every path a service serves. Register it as `web::Data<AllowTable>` (app data).
#[derive(Debug, Clone, Default)]
pub struct AllowTable {
    templates: Vec<Template>,
}

impl AllowTable {
    /// An empty table with the health routes every service has.
    pub fn new() -> Self {
        Self::default()
            .route("/healthz", &[Method::GET])
            .route("/readyz", &[Method::GET])
    }

    /// Adds `methods` for `template` (`/courses/{id}`, `/docs/*`), merging with an existing entry.
    pub fn route(mut self, template: &str, methods: &[Method]) -> Self {
        let segments: Vec<Segment> = template
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                if s == "*" {
                    Segment::Rest
                } else if s.starts_with('{') && s.ends_with('}') {
                    Segment::Param
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        if let Some(existing) = self.templates.iter_mut().find(|t| t.segments == segments) {
            for m in methods {
                if !existing.methods.contains(m) {
                    existing.methods.push(m.clone());
                }
            }
        } else {
            self.templates.push(Template {
                segments,
                methods: methods.to_vec(),
            });
        }
        self
    }

    /// Adds every operation of an OpenAPI document's `paths`.
    pub fn with_openapi(mut self, document: &serde_json::Value) -> Self {
        let Some(paths) = document.get("paths").and_then(|p| p.as_object()) else {
            return self;
        };
        for (path, item) in paths {
            let methods: Vec<Method> = item
                .as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
                .filter(|m| *m != Method::OPTIONS && *m != Method::HEAD)
                .collect();
            self = self.route(path, &methods);
        }
        self
    }

    /// The methods of the most specific template matching `path` (literal segments beat parameters).
    pub fn methods(&self, path: &str) -> Option<&[Method]> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.templates
            .iter()
            .filter_map(|t| t.score(&segments).map(|score| (score, t)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, t)| t.methods.as_slice())
    }

    /// The `Allow` value for `path`: its methods, `HEAD` with `GET`, and `OPTIONS`.
    pub fn allow(&self, path: &str) -> Option<String> {
        let methods = self.methods(path)?;
        Some(allow_value(methods))
    }
}

/// `GET, HEAD, POST, ..., OPTIONS` in a stable order.
pub fn allow_value(methods: &[Method]) -> String {
    let order = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    order
        .iter()
        .filter(|m| {
            methods.contains(m)
                || (**m == Method::HEAD && methods.contains(&Method::GET))
                || **m == Method::OPTIONS
        })
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Template {
    /// How well the template matches (count of literal segments), `None` when it does not.
    fn score(&self, path: &[&str]) -> Option<usize> {
        let mut literal = 0;
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Rest => return Some(literal),
                Segment::Param => {
                    if path.get(i).is_none_or(|s| s.is_empty()) {
                        return None;
                    }
                }
                Segment::Literal(l) => {
                    if path.get(i) != Some(&l.as_str()) {
                        return None;
                    }
                    literal += 1;
                }
            }
        }
        (path.len() == self.segments.len()).then_some(literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> AllowTable {
        AllowTable::new()
            .with_openapi(&serde_json::json!({ "paths": {
                "/api/v1/courses/{courseId}": { "get": {}, "patch": {}, "delete": {}, "parameters": [] },
                "/api/v1/courses/published": { "get": {} },
                "/api/v1/courses": { "get": {}, "post": {} },
            }}))
            .route("/docs/*", &[Method::GET])
    }

    #[test]
    fn the_most_specific_template_wins_and_head_and_options_are_implied() {
        let t = table();
        assert_eq!(
            t.allow("/api/v1/courses/published").unwrap(),
            "GET, HEAD, OPTIONS"
        );
        assert_eq!(
            t.allow("/api/v1/courses/abc").unwrap(),
            "GET, HEAD, PATCH, DELETE, OPTIONS"
        );
        assert_eq!(
            t.allow("/api/v1/courses").unwrap(),
            "GET, HEAD, POST, OPTIONS"
        );
        assert_eq!(t.allow("/docs/index.css").unwrap(), "GET, HEAD, OPTIONS");
        assert_eq!(t.allow("/healthz").unwrap(), "GET, HEAD, OPTIONS");
    }

    #[test]
    fn unknown_paths_and_empty_parameters_have_no_entry() {
        let t = table();
        assert!(t.allow("/api/v1/courses/abc/students").is_none());
        assert!(t.allow("/api/v1/courses/").is_none());
        assert!(t.allow("/nowhere").is_none());
    }
}
