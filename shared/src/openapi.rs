//! What every service's OpenAPI document declares alike: the security schemes its routes name (`bearer`,
//! `cookie`, `apiKey`). One definition, so the documents the gateway merges never disagree. The path
//! parameters and error responses many routes declare alike are in `params` and `responses`.

pub mod params;
pub mod responses;

use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// `modifiers(&shared::openapi::SecuritySchemes)` in a service's `#[openapi(...)]`.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token (EdDSA JWT), or through the gateway an API key as `Bearer pk_...`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "token",
                "The access token in the `token` cookie (set by sign-in, sign-up and refresh; what `<video>` tags send)",
            ))),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key (`pk_` + 32 alphanumerics), accepted by the gateway; acts as its owner",
            ))),
        );
    }
}

/// A file's bytes in a response (`type: string, format: binary`), as generators expect a download:
/// `content((Binary = "image/png"), ...)`.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes"))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}
