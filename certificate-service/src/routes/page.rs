//! The certificate's public page, `GET /certificates/{id}` (through the gateway, outside `/api/v1`): the
//! learner's name, the course, the date and the verification result, with an "Add to LinkedIn" link (the
//! profile's add-certification URL) and links to the credential and its checks. Plain HTML, no script;
//! every value is escaped.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use chrono::Datelike;

use super::access::shown;
use crate::error::{CertificateError, CertificateResult};
use crate::state::AppState;
use crate::store::Certificate;
use crate::verify;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/certificates/{id}").route(web::get().to(certificate_page)));
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// LinkedIn's "add a certification to your profile" URL, filled in.
pub fn linkedin_url(state: &AppState, c: &Certificate) -> String {
    let id = c.id.to_hex();
    let year = c.issued_at.year().to_string();
    let month = c.issued_at.month().to_string();
    let cert_url = crate::credential::credential_url(&state.settings, &id);
    let query = serde_urlencoded::to_string([
        ("startTask", "CERTIFICATION_NAME"),
        ("name", c.course_title.as_str()),
        ("organizationName", state.settings.issuer_name.as_str()),
        ("issueYear", year.as_str()),
        ("issueMonth", month.as_str()),
        ("certUrl", cert_url.as_str()),
        ("certId", id.as_str()),
    ])
    .unwrap_or_default();
    format!("https://www.linkedin.com/profile/add?{query}")
}

async fn certificate_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> CertificateResult<HttpResponse> {
    let certificate = match shown(&state, &path).await {
        Ok(c) => c,
        Err(CertificateError::NotFound(_) | CertificateError::Validation(_)) => {
            return Ok(HttpResponse::NotFound()
                .content_type(ContentType::html())
                .body(page(
                    "Certificate not found",
                    "<p>There is no certificate at this address.</p>",
                )));
        }
        Err(e) => return Err(e),
    };
    let checks = verify::run(&state, &certificate).await?;
    let valid = verify::valid(&checks);
    let id = certificate.id.to_hex();
    let verdict = if valid {
        "<p class=\"verdict ok\" id=\"verdict\">Verified: signed by the issuer and not revoked.</p>"
            .to_owned()
    } else {
        format!(
            "<p class=\"verdict bad\" id=\"verdict\">Not valid: {}.</p>",
            esc(certificate
                .revocation_reason
                .as_deref()
                .map_or("a check failed", |r| r)
                .trim_end_matches('.'))
        )
    };
    let rows: String = checks
        .iter()
        .map(|c| {
            format!(
                "<li data-check=\"{}\">{} {}: {}</li>",
                c.name,
                if c.ok { "✔" } else { "✘" },
                c.name,
                esc(&c.detail)
            )
        })
        .collect();
    let body = format!(
        "<p>This certifies that</p>\n<h1 id=\"learner\">{learner}</h1>\n<p>completed the course</p>\n\
         <h2 id=\"course\">{course}</h2>\n<p>on <time id=\"date\" datetime=\"{date_iso}\">{date}</time>, issued by {issuer}.</p>\n\
         {verdict}\n<ul>{rows}</ul>\n<p><a id=\"linkedin\" href=\"{linkedin}\">Add to LinkedIn</a> · \
         <a href=\"/api/v1/certificates/{id}\">Credential (Open Badges 3.0)</a> · \
         <a href=\"/api/v1/certificates/{id}/verify\">Checks (JSON)</a></p>",
        learner = esc(certificate.learner_name.as_deref().unwrap_or_default()),
        course = esc(&certificate.course_title),
        date_iso = certificate.completed_at.format("%Y-%m-%d"),
        date = certificate.completed_at.format("%-d %B %Y"),
        issuer = esc(&state.settings.issuer_name),
        linkedin = esc(&linkedin_url(&state, &certificate)),
    );
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(page(
            &format!("Certificate: {}", certificate.course_title),
            &body,
        )))
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:sans-serif;max-width:40rem;margin:3rem auto;\
         text-align:center}}.ok{{color:#176f2c}}.bad{{color:#a11}}ul{{list-style:none;padding:0}}</style>\
         </head><body>\n{body}\n</body></html>\n",
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            esc("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
