//! auth-service binary: `auth-service [serve|rotate-keys|create-admin]`.

use auth_service::{commands, config::Settings};

const SERVICE_NAME: &str = "auth-service";

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // Settings come first so a bad variable stops the process with a message naming it.
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{SERVICE_NAME}: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let _telemetry = shared::telemetry::init(SERVICE_NAME, settings.service.json_logs);
    let command = std::env::args().nth(1);
    let result = match command.as_deref().unwrap_or("serve") {
        "serve" => commands::serve(settings).await,
        "rotate-keys" => commands::rotate_keys(settings).await,
        "create-admin" => commands::create_admin(settings).await,
        other => {
            eprintln!(
                "{SERVICE_NAME}: unknown command `{other}` (serve, rotate-keys, create-admin)"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = &result {
        tracing::error!(error.cause = ?e, "{SERVICE_NAME} stopped with an error");
    }
    result
}
