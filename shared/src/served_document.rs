//! A service's own OpenAPI document as every service serves it: built once, answered at `/openapi.json`
//! (where the gateway collects the documents it merges) and at the service's public path, and the source
//! of the service's `Allow` table.

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::http::AllowTable;

/// `pub static DOCUMENT: ServedDocument = ServedDocument::new(ApiDoc::openapi);` in a service's
/// `routes/openapi.rs`.
pub struct ServedDocument(LazyLock<OpenApi, fn() -> OpenApi>);

impl ServedDocument {
    /// The document is built from `build` the first time it is asked for: it never changes while the
    /// process runs.
    pub const fn new(build: fn() -> OpenApi) -> Self {
        Self(LazyLock::new(build))
    }

    pub fn document(&self) -> &OpenApi {
        &self.0
    }

    /// The document as the answer to a `GET`.
    pub fn respond(&self) -> HttpResponse {
        HttpResponse::Ok().json(self.document())
    }

    /// Registers the service's `Allow` table (the document's paths, `/openapi.json`, and `undocumented`:
    /// the routes the document leaves out, such as `/internal/...`) and `GET /openapi.json`.
    pub fn configure(
        &'static self,
        cfg: &mut web::ServiceConfig,
        undocumented: &[(&str, &[Method])],
    ) {
        cfg.app_data(web::Data::new(self.allow_table(undocumented)));
        cfg.service(
            web::resource("/openapi.json")
                .route(web::get().to(move || std::future::ready(self.respond()))),
        );
    }

    /// The methods of every route, for `Allow`, `OPTIONS` and `HEAD` (`crate::http::AllowTable`).
    pub fn allow_table(&self, undocumented: &[(&str, &[Method])]) -> AllowTable {
        let document = serde_json::to_value(self.document()).unwrap_or_default();
        undocumented.iter().fold(
            AllowTable::new()
                .with_openapi(&document)
                .route("/openapi.json", &[Method::GET]),
            |table, (template, methods)| table.route(template, methods),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test};

    fn one_path() -> OpenApi {
        let mut doc = OpenApi::default();
        doc.paths.paths.insert(
            "/api/v1/things".to_owned(),
            utoipa::openapi::path::PathItem::new(
                utoipa::openapi::HttpMethod::Get,
                utoipa::openapi::path::Operation::default(),
            ),
        );
        doc
    }

    static DOCUMENT: ServedDocument = ServedDocument::new(one_path);

    #[actix_web::test]
    async fn the_document_is_served_at_openapi_json_and_its_routes_make_the_allow_table() {
        let app = test::init_service(App::new().configure(|cfg| {
            DOCUMENT.configure(cfg, &[("/internal/things/{id}", &[Method::POST])])
        }))
        .await;
        let body: serde_json::Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get().uri("/openapi.json").to_request(),
        )
        .await;
        assert!(body["paths"]["/api/v1/things"]["get"].is_object(), "{body}");

        let table = DOCUMENT.allow_table(&[("/internal/things/{id}", &[Method::POST])]);
        assert_eq!(
            table.allow("/api/v1/things").as_deref(),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(
            table.allow("/openapi.json").as_deref(),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(
            table.allow("/internal/things/42").as_deref(),
            Some("POST, OPTIONS")
        );
        assert_eq!(table.allow("/elsewhere"), None);
    }
}
