//! auth-service binary: `auth-service [serve|rotate-keys|create-admin|healthcheck]`.

use auth_service::{commands, config::Settings};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // `auth-service healthcheck`: the container health check, before any setting is read.
    shared::healthcheck::run_if_requested(4001);
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("auth-service: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let _telemetry = shared::telemetry::init("auth-service", settings.log_json);
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    let result = match command.as_str() {
        "serve" => commands::serve(settings).await,
        "rotate-keys" => commands::rotate_keys(settings).await,
        "create-admin" => commands::create_admin(settings).await,
        other => {
            eprintln!(
                "auth-service: unknown command `{other}` (expected serve, rotate-keys or create-admin)"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = &result {
        tracing::error!(error.cause = ?e, "auth-service stopped with an error");
    }
    result
}
