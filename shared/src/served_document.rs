//! A service's own OpenAPI document as every service serves it: built once, answered at `/openapi.json`
//! (where the gateway collects the documents it merges) and at the service's public path, and the source
//! of the service's `Allow` table.

use std::sync::OnceLock;

use actix_web::http::Method;
use actix_web::{FromRequest, HttpResponse, web};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi, Ref, ResponseBuilder};

use crate::http::AllowTable;

/// `pub static DOCUMENT: ServedDocument = ServedDocument::new(ApiDoc::openapi, DocumentRoute::public(..));`
/// in a service's `routes/openapi.rs`.
pub struct ServedDocument {
    build: fn() -> OpenApi,
    route: DocumentRoute,
    document: OnceLock<OpenApi>,
}

/// Where a service answers its own document publicly, and who may ask: the operation is added to the
/// document itself, so it is described like every other route.
#[derive(Clone, Copy)]
pub struct DocumentRoute {
    path: &'static str,
    tag: &'static str,
    login_required: bool,
}

impl DocumentRoute {
    /// Anyone may read it; a token that is sent must be good.
    pub const fn public(path: &'static str, tag: &'static str) -> Self {
        Self {
            path,
            tag,
            login_required: false,
        }
    }

    /// Only a logged-in caller (the gateway asks for a principal on every route of the service).
    pub const fn logged_in(path: &'static str, tag: &'static str) -> Self {
        Self {
            path,
            tag,
            login_required: true,
        }
    }

    fn add_to(&self, document: &mut OpenApi) {
        let ok = ResponseBuilder::new()
            .description("This OpenAPI 3.1 document")
            .content("application/json", ContentBuilder::new().build());
        let (unauthorized, mut security) = if self.login_required {
            (
                "Not logged in, or a bad or expired token (the gateway needs a principal here)",
                vec![],
            )
        } else {
            (
                "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")",
                vec![SecurityRequirement::default()],
            )
        };
        security.extend(
            ["bearer", "cookie"].map(|s| SecurityRequirement::new(s, Vec::<String>::new())),
        );
        let unauthorized = ResponseBuilder::new().description(unauthorized).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                .build(),
        );
        let operation = OperationBuilder::new()
            .tag(self.tag)
            .summary(Some("This service's own OpenAPI 3.1 document (the gateway merges every service's at `/api/v1/openapi.json`)."))
            .operation_id(Some("openapi_json"))
            .response("200", ok)
            .response("401", unauthorized)
            .securities(Some(security));
        document
            .paths
            .add_path_operation(self.path, vec![HttpMethod::Get], operation);
    }
}

impl ServedDocument {
    /// The document is built from `build` (and `route` added) the first time it is asked for: it never
    /// changes while the process runs.
    pub const fn new(build: fn() -> OpenApi, route: DocumentRoute) -> Self {
        Self {
            build,
            route,
            document: OnceLock::new(),
        }
    }

    pub fn document(&self) -> &OpenApi {
        self.document.get_or_init(|| {
            let mut document = (self.build)();
            self.route.add_to(&mut document);
            document
        })
    }

    /// The document as the answer to a `GET`.
    pub fn respond(&self) -> HttpResponse {
        HttpResponse::Ok().json(self.document())
    }

    /// Registers the service's `Allow` table (the document's paths, `/openapi.json`, and `undocumented`:
    /// the routes the document leaves out, such as `/internal/...`), `GET /openapi.json` (where the
    /// gateway collects it) and `GET` at the route's public path, whose caller is checked by `Caller`
    /// (the service's optional-login extractor: a bad token is refused even here; `()` for none). Call
    /// it before the `/api/v1` scope, so the public path is matched before any `{id}` route.
    pub fn configure<Caller>(
        &'static self,
        cfg: &mut web::ServiceConfig,
        undocumented: &[(&str, &[Method])],
    ) where
        Caller: FromRequest + 'static,
    {
        cfg.app_data(web::Data::new(self.allow_table(undocumented)));
        cfg.service(
            web::resource("/openapi.json")
                .route(web::get().to(move || std::future::ready(self.respond()))),
        );
        cfg.service(
            web::resource(self.route.path)
                .route(web::get().to(move |_: Caller| std::future::ready(self.respond()))),
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
    use actix_web::App;
    use actix_web::test as actix_test;

    fn one_path() -> OpenApi {
        let mut doc = OpenApi::default();
        doc.paths.paths.insert(
            "/api/v1/things".to_owned(),
            utoipa::openapi::path::PathItem::new(
                HttpMethod::Get,
                utoipa::openapi::path::Operation::default(),
            ),
        );
        doc
    }

    static DOCUMENT: ServedDocument = ServedDocument::new(
        one_path,
        DocumentRoute::public("/api/v1/things/openapi.json", "things"),
    );
    static LOGGED_IN: ServedDocument = ServedDocument::new(
        one_path,
        DocumentRoute::logged_in("/api/v1/mine/openapi.json", "mine"),
    );
    const INTERNAL: &[(&str, &[Method])] = &[("/internal/things/{id}", &[Method::POST])];

    #[actix_web::test]
    async fn the_document_is_served_at_both_paths_and_describes_its_own_route() {
        let app = actix_test::init_service(
            App::new().configure(|cfg| DOCUMENT.configure::<()>(cfg, INTERNAL)),
        )
        .await;
        for uri in ["/openapi.json", "/api/v1/things/openapi.json"] {
            let body: serde_json::Value = actix_test::call_and_read_body_json(
                &app,
                actix_test::TestRequest::get().uri(uri).to_request(),
            )
            .await;
            assert!(
                body["paths"]["/api/v1/things"]["get"].is_object(),
                "{uri}: {body}"
            );
            let own = &body["paths"]["/api/v1/things/openapi.json"]["get"];
            assert_eq!(own["tags"], serde_json::json!(["things"]), "{uri}: {own}");
            assert_eq!(
                own["security"],
                serde_json::json!([{}, {"bearer": []}, {"cookie": []}])
            );
            assert_eq!(
                own["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope"
            );
        }
        let own = serde_json::to_value(LOGGED_IN.document()).unwrap();
        assert_eq!(
            own["paths"]["/api/v1/mine/openapi.json"]["get"]["security"],
            serde_json::json!([{"bearer": []}, {"cookie": []}])
        );
    }

    #[test]
    fn the_allow_table_holds_the_documented_the_undocumented_and_the_document_routes() {
        let table = DOCUMENT.allow_table(INTERNAL);
        assert_eq!(
            table.allow("/api/v1/things").as_deref(),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(
            table.allow("/api/v1/things/openapi.json").as_deref(),
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
