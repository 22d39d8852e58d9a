//! Which methods each documented path has, from the platform's OpenAPI document as checked in
//! (`docs/openapi.json`, embedded at build time; the e2e suite proves it is what the gateway serves). It
//! lets the gateway answer a method a path does not have with 405 and `Allow` before it judges any
//! credentials: an anonymous `PUT` on a public route is a wrong method, not a missing login. A caller with
//! a principal is forwarded as before and the service answers its own 405, so a service deployed with a
//! new operation ahead of the gateway is never refused by a stale table.

use std::sync::LazyLock;

use actix_web::http::Method;
use shared::http::{AllowTable, allow_value};

static TABLE: LazyLock<AllowTable> = LazyLock::new(|| {
    // The file is generated and checked by the test suite; a broken copy gives an empty table (every
    // method is then left to the services) rather than a gateway that will not start.
    let document: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/openapi.json")).unwrap_or_default();
    AllowTable::new().with_openapi(&document)
});

/// The `Allow` value when `path` is documented and `method` is not one of its methods; `None` when the
/// method is documented (HEAD counts as GET, OPTIONS is always answered) or the path is unknown.
pub fn undeclared(method: &Method, path: &str) -> Option<String> {
    if *method == Method::OPTIONS {
        return None;
    }
    let methods = TABLE.methods(path)?;
    let asked = if *method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    (!methods.contains(asked)).then(|| allow_value(methods))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_with_another_method_is_undeclared() {
        assert_eq!(
            undeclared(&Method::PUT, "/api/v1/user/reset-password/abc").as_deref(),
            Some("POST, OPTIONS")
        );
        assert_eq!(
            undeclared(&Method::DELETE, "/api/v1/courses/published").as_deref(),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(undeclared(&Method::POST, "/api/v1/user/signin"), None);
        assert_eq!(undeclared(&Method::HEAD, "/api/v1/courses/published"), None);
        assert_eq!(undeclared(&Method::OPTIONS, "/api/v1/user/signin"), None);
        assert_eq!(undeclared(&Method::PUT, "/api/v1/nowhere"), None);
    }
}
