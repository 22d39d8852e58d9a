//! Reading create and update requests: multipart forms (text fields plus one streamed file) or, for
//! updates, a JSON object. Unknown or repeated fields are refused; the file is a `TempUpload` that
//! deletes itself unless the handler stores it, so a refused request leaves no file behind.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use futures_util::TryStreamExt;
use shared::error::FieldError;
use shared::media::{MediaKind, TempUpload, save_field_to_temp};

use crate::error::{CourseError, CourseResult};
use crate::state::AppState;

/// Longest text a multipart text field may carry.
const TEXT_FIELD_MAX: usize = 10 * 1024;
/// Most parts a form may have.
const MAX_PARTS: usize = 20;

/// The file part a form accepts.
pub struct FileSpec {
    pub name: &'static str,
    pub kind: MediaKind,
    pub max_bytes: u64,
}

/// A read form: text fields by name and the uploaded file, if any.
#[derive(Default)]
pub struct Form {
    pub fields: HashMap<String, String>,
    pub file: Option<TempUpload>,
}

impl Form {
    /// A field's text, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Whether the request body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a multipart form with text fields `allowed` and the file `file`.
pub async fn read_multipart(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    allowed: &[&str],
    file: &FileSpec,
) -> CourseResult<Form> {
    let mut form = Form::default();
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut parts = 0;
    while let Some(mut field) = multipart.try_next().await.map_err(bad_multipart)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(CourseError::field("body", "Too many form fields"));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == file.name {
            if form.file.is_some() {
                return Err(CourseError::field(&name, "Send one file only"));
            }
            let temp =
                save_field_to_temp(&mut field, &state.upload_dir(), file.kind, file.max_bytes)
                    .await?;
            form.file = Some(temp);
        } else if allowed.contains(&name.as_str()) {
            if form.fields.contains_key(&name) {
                return Err(CourseError::field(&name, "Field sent more than once"));
            }
            let text = read_text(&mut field, &name).await?;
            form.fields.insert(name, text);
        } else {
            return Err(CourseError::Validation(vec![FieldError::new(
                name,
                "Unknown field",
            )]));
        }
    }
    Ok(form)
}

/// Reads a JSON object whose values are strings, numbers or booleans, as text fields.
pub async fn read_json(
    state: &AppState,
    payload: web::Payload,
    allowed: &[&str],
) -> CourseResult<Form> {
    let bytes = shared::http::read_body(payload, state.settings.api.json_limit_bytes).await?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| CourseError::field("body", "Request body is not valid JSON"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(CourseError::field(
            "body",
            "Request body must be a JSON object",
        ));
    };
    let mut form = Form::default();
    for (name, value) in map {
        if !allowed.contains(&name.as_str()) {
            return Err(CourseError::field(&name, "Unknown field"));
        }
        // As the documented JSON bodies say (`dto`): text fields are strings, `price`/`order` numbers (or
        // the text a form would send), `isPreview` a boolean (or its text); null leaves a field unchanged.
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) if NUMBER_FIELDS.contains(&name.as_str()) => {
                n.as_f64().map_or_else(|| n.to_string(), json_number_text)
            }
            serde_json::Value::Bool(b) if BOOLEAN_FIELDS.contains(&name.as_str()) => b.to_string(),
            _ => return Err(CourseError::field(&name, "Has the wrong type")),
        };
        form.fields.insert(name, text);
    }
    Ok(form)
}

/// JSON fields that may be numbers, and those that may be booleans.
const NUMBER_FIELDS: [&str; 2] = ["price", "order"];
const BOOLEAN_FIELDS: [&str; 1] = ["isPreview"];

/// A JSON number as a form would send it, without binary floating-point noise: `19.990000000000002`
/// means 19.99 (the cents a client meant), while `0.001` keeps its third decimal and is refused as such.
fn json_number_text(n: f64) -> String {
    let cents = (n * 100.0).round();
    if (n * 100.0 - cents).abs() < 1e-6 {
        format!("{:.2}", cents / 100.0)
    } else {
        n.to_string()
    }
}

async fn read_text(field: &mut actix_multipart::Field, name: &str) -> CourseResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
        if buf.len() + chunk.len() > TEXT_FIELD_MAX {
            return Err(CourseError::field(name, "Field is too long"));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| CourseError::field(name, "Field must be UTF-8 text"))
}

fn bad_multipart(e: actix_multipart::MultipartError) -> CourseError {
    CourseError::field("body", format!("Invalid multipart body: {e}"))
}

/// Parses a boolean form value (`true`/`false`, also `1`/`0`, `on`/`off` as HTML forms send).
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err("Must be true or false".to_owned()),
    }
}

/// Collects parse results into field errors.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The parsed value, or `None` after recording the error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// A 400 with every recorded error, if any.
    pub fn finish(self) -> CourseResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CourseError::Validation(self.0))
        }
    }
}
