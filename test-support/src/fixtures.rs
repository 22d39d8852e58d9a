//! Files and forms the services accept: a PNG, a real (tiny) MP4, multipart forms, valid course fields.

use reqwest::multipart::{Form, Part};

/// A small PNG (only the signature and a header chunk matter to the server).
pub fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(300, 0);
    bytes
}

/// A real (tiny) MP4 of `seconds` (timescale 1000) with `payload` bytes of media data.
pub fn mp4(seconds: f64, payload: usize) -> Vec<u8> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "test values: small, positive durations"
    )]
    let duration = (seconds * 1000.0).round() as u64;
    course_service::media::fixtures::mp4(1000, duration, 0, payload)
}

/// A multipart form with text `fields` and, if given, a file part `(name, file name, bytes)`.
pub fn form(fields: &[(&str, &str)], file: Option<(&str, &str, Vec<u8>)>) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    if let Some((name, filename, bytes)) = file {
        form = form.part(
            name.to_owned(),
            Part::bytes(bytes).file_name(filename.to_owned()),
        );
    }
    form
}

/// Valid fields of `POST /courses`, titled `title` (price 49.99).
pub fn course_fields(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("category", "Programming".to_owned()),
        ("price", "49.99".to_owned()),
        ("subtitle", "Learn it".to_owned()),
        ("description", "A course".to_owned()),
        ("level", "beginner".to_owned()),
    ]
}

/// The form of `POST /courses/{id}/lectures`: `title`, `order`, `isPreview` and the `video` file.
pub fn lecture_form(title: &str, order: u32, preview: bool, video: Vec<u8>) -> Form {
    let (order, preview) = (order.to_string(), preview.to_string());
    form(
        &[("title", title), ("order", &order), ("isPreview", &preview)],
        Some(("video", "clip.mp4", video)),
    )
}

/// An access token with its signature altered: a character well inside the signature, since the last one
/// may carry only padding bits (a decoder then calls the token malformed, not badly signed).
pub fn tampered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
