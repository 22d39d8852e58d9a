//! The hosted Checkout page each session's `url` points at: shows the course and amount, and its form
//! completes the payment (`pay`, `pay_async`, `fail_async`) or goes back (`cancel`) like Stripe's page.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use serde_json::Value;

use crate::app_state::AppState;
use crate::form;
use crate::rules;
use crate::session;
use crate::state::Outcome;

/// Mounts `GET`/`POST /c/pay/{id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/c/pay/{id}", web::get().to(show_checkout_page))
        .route("/c/pay/{id}", web::post().to(submit_checkout_page));
}

async fn show_checkout_page(path: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let Some(session) = state.store.session_raw(&path) else {
        return html(
            StatusCode::NOT_FOUND,
            "Checkout session not found",
            "<p>This checkout page does not exist.</p>",
        );
    };
    let title = session::title(&session);
    let amount = money(&session);
    let body = if session["status"] == "open" {
        // Stripe's page collects an address unless the session was created with one, which it shows locked.
        let (email, locked) = match session["customer_email"].as_str() {
            Some(e) => (e, " readonly"),
            None => ("", ""),
        };
        format!(
            r#"<p class="item">{title}</p>
<p class="amount">{amount}</p>
<form method="post">
  <label>Email <input type="email" name="email" value="{email}" autocomplete="email" required{locked}></label>
  <button type="submit" name="action" value="pay">Pay {amount}</button>
  <button type="submit" name="action" value="pay_async">Pay later (delayed method, succeeds)</button>
  <button type="submit" name="action" value="fail_async">Pay later (delayed method, fails)</button>
  <button type="submit" name="action" value="cancel" formnovalidate>Cancel and go back</button>
</form>"#,
            title = escape(&title),
            amount = escape(&amount),
            email = escape(email),
        )
    } else {
        format!(
            "<p class=\"item\">{}</p><p class=\"amount\">{}</p><p>This Checkout Session is no longer active (status {}).</p>",
            escape(&title),
            escape(&amount),
            escape(session["status"].as_str().unwrap_or_default()),
        )
    };
    html(StatusCode::OK, &format!("Pay for {title}"), &body)
}

async fn submit_checkout_page(
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let fields = form::decode(&body).unwrap_or_default();
    let field = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let action = field("action");
    // A scripted post without the field still pays (as `customer@example.com`); a wrong address does not.
    let email = Some(field("email")).filter(|e| !e.is_empty());
    if let Some(e) = &email
        && rules::email("email", e).is_err()
    {
        return html(
            StatusCode::BAD_REQUEST,
            "Invalid email address",
            &format!("<p>Invalid email address: {}</p>", escape(e)),
        );
    }
    let Some(session) = state.store.session_raw(&path) else {
        return html(
            StatusCode::NOT_FOUND,
            "Checkout session not found",
            "<p>This checkout page does not exist.</p>",
        );
    };
    let outcome = match action.as_str() {
        "pay" => Outcome::Paid,
        "pay_async" => Outcome::AsyncSucceeded,
        "fail_async" => Outcome::AsyncFailed,
        "cancel" => {
            if session["status"] != "open" {
                return inactive(&session);
            }
            return match session["cancel_url"].as_str() {
                Some(url) => see_other(url),
                None => see_other(session["url"].as_str().unwrap_or("/")),
            };
        }
        _ => {
            return html(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "<p>action must be one of pay, pay_async, fail_async, cancel.</p>",
            );
        }
    };
    if state
        .store
        .with(|tx| tx.complete_session(&path, outcome, email.as_deref()))
        .is_err()
    {
        return inactive(&session);
    }
    match session["success_url"].as_str() {
        Some(url) => see_other(&url.replace("{CHECKOUT_SESSION_ID}", &path)),
        None => html(
            StatusCode::OK,
            "Payment complete",
            "<p>Payment complete. You can close this page.</p>",
        ),
    }
}

fn inactive(session: &Value) -> HttpResponse {
    html(
        StatusCode::CONFLICT,
        "Checkout session not active",
        &format!(
            "<p>This Checkout Session is no longer active (status {}).</p>",
            escape(session["status"].as_str().unwrap_or_default())
        ),
    )
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · Stripe simulator</title></head>\n<body><h1>{}</h1>\n{body}\n<p><small>Stripe simulator: no real payment is made.</small></p></body></html>\n",
            escape(title),
            escape(title)
        ))
}

/// `$19.99 USD` for two-decimal currencies; zero-decimal ones (jpy, krw, ...) have no cents.
fn money(session: &Value) -> String {
    let amount = session["amount_total"].as_i64().unwrap_or(0);
    let currency = session["currency"].as_str().unwrap_or("usd");
    format!(
        "{} {}",
        rules::format_amount(amount, currency),
        currency.to_ascii_uppercase()
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
