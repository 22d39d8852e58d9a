//! Typed settings for payment-service, read once from the environment at start-up.

use std::time::Duration;

use shared::config::{
    ApiSettings, ConfigError, Env, MongoSettings, ServiceSettings, Source, Upstream, Vars,
};

/// `STRIPE_SECRET_KEY` outside production when none is set (the simulator accepts it).
pub const DEV_STRIPE_SECRET_KEY: &str = "sk_test_simulator";
/// `STRIPE_WEBHOOK_SECRET` outside production when none is set.
pub const DEV_STRIPE_WEBHOOK_SECRET: &str = "whsec_simulator";

/// Shortest and longest Checkout Session lifetime Stripe accepts.
const MIN_SESSION_MINUTES: u64 = 30;
const MAX_SESSION_MINUTES: u64 = 24 * 60;

/// Everything payment-service needs to talk to Stripe.
#[derive(Clone)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: String,
    /// `STRIPE_WEBHOOK_SECRET`: one secret, or several separated by commas while one is rolled.
    pub webhook_secrets: Vec<String>,
    /// `STRIPE_API_BASE`: another origin for the API (the simulator); unset means api.stripe.com.
    pub api_base: Option<String>,
    /// `STRIPE_SUCCESS_URL` (the literal `{CHECKOUT_SESSION_ID}` is kept for Stripe to fill in).
    pub success_url: String,
    /// `STRIPE_CANCEL_URL`.
    pub cancel_url: String,
    /// `STRIPE_CURRENCY` (default `usd`), lower-case.
    pub currency: String,
    /// `STRIPE_SESSION_EXPIRY_MINUTES` (default 30; 30 to 1440).
    pub session_expiry: Duration,
    /// `STRIPE_TIMEOUT_MS` (default 10000): one API call.
    pub timeout: Duration,
}

impl std::fmt::Debug for StripeSettings {
    // Hand-written so the secrets never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeSettings")
            .field("api_base", &self.api_base)
            .field("success_url", &self.success_url)
            .field("cancel_url", &self.cancel_url)
            .field("currency", &self.currency)
            .field("session_expiry", &self.session_expiry)
            .finish_non_exhaustive()
    }
}

/// Everything payment-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4004), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_payment`).
    pub mongo: MongoSettings,
    /// `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` (as auth-service signs) and `JSON_LIMIT_BYTES`.
    pub api: ApiSettings,
    /// `COURSE_SERVICE_URL` (default `http://127.0.0.1:4002`) and `COURSE_SERVICE_TIMEOUT_MS` (default
    /// 2000): course prices and titles.
    pub course_service: Upstream,
    pub stripe: StripeSettings,
    /// `RECONCILE_INTERVAL_SECS` (default 300): how often pending purchases are checked with Stripe.
    pub reconcile_interval: Duration,
    /// `RECONCILE_AFTER_SECS` (default 600): a purchase pending this long is re-fetched from Stripe.
    pub reconcile_after: Duration,
    /// `WEBHOOK_LIMIT_BYTES` (default 1 MB): the raw webhook body.
    pub webhook_limit_bytes: usize,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        let service = ServiceSettings::from_vars(&v, 4004)?;
        let api = ApiSettings::from_vars(&v)?;
        let stripe = stripe_settings(&v, service.app_env.is_production())?;
        Ok(Self {
            mongo: MongoSettings::from_vars(&v, "lms_payment")?,
            course_service: Upstream::course_service(&v)?,
            stripe,
            reconcile_interval: v
                .secs("RECONCILE_INTERVAL_SECS", 300)?
                .max(Duration::from_secs(1)),
            reconcile_after: v.secs("RECONCILE_AFTER_SECS", 600)?,
            api,
            webhook_limit_bytes: v.or("WEBHOOK_LIMIT_BYTES", 1024 * 1024)?,
            service,
        })
    }
}

fn trimmed(url: String) -> String {
    url.trim_end_matches('/').to_owned()
}

fn stripe_settings(v: &Vars<'_>, production: bool) -> Result<StripeSettings, ConfigError> {
    let secret_key = v.raw("STRIPE_SECRET_KEY")?;
    let webhook_secret = v.raw("STRIPE_WEBHOOK_SECRET")?;
    let api_base = v.raw("STRIPE_API_BASE")?.map(trimmed);
    if production {
        // Production takes money: it needs real keys and the real API.
        match secret_key.as_deref() {
            None => return Err(ConfigError::Missing("STRIPE_SECRET_KEY".into())),
            Some(k)
                if k == DEV_STRIPE_SECRET_KEY
                    || !(k.starts_with("sk_") || k.starts_with("rk_")) =>
            {
                return Err(insecure(
                    "STRIPE_SECRET_KEY",
                    "use a Stripe secret key (sk_... or rk_...)",
                ));
            }
            Some(_) => {}
        }
        match webhook_secret.as_deref() {
            None => return Err(ConfigError::Missing("STRIPE_WEBHOOK_SECRET".into())),
            Some(s)
                if s.split(',').any(|s| {
                    s.trim() == DEV_STRIPE_WEBHOOK_SECRET || !s.trim().starts_with("whsec_")
                }) =>
            {
                return Err(insecure(
                    "STRIPE_WEBHOOK_SECRET",
                    "use the endpoint's signing secret (whsec_...)",
                ));
            }
            Some(_) => {}
        }
        if api_base
            .as_deref()
            .is_some_and(|b| !b.starts_with("https://"))
        {
            return Err(insecure(
                "STRIPE_API_BASE",
                "production talks to Stripe over https only",
            ));
        }
    }
    let minutes: u64 = v.or("STRIPE_SESSION_EXPIRY_MINUTES", MIN_SESSION_MINUTES)?;
    if !(MIN_SESSION_MINUTES..=MAX_SESSION_MINUTES).contains(&minutes) {
        return Err(ConfigError::Invalid {
            name: "STRIPE_SESSION_EXPIRY_MINUTES".into(),
            reason: format!(
                "must be from {MIN_SESSION_MINUTES} to {MAX_SESSION_MINUTES} (Stripe's limits)"
            ),
        });
    }
    let currency: String = v.or("STRIPE_CURRENCY", "usd".to_owned())?;
    let currency = currency.trim().to_ascii_lowercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(ConfigError::Invalid {
            name: "STRIPE_CURRENCY".into(),
            reason: "must be a three-letter ISO currency code".into(),
        });
    }
    Ok(StripeSettings {
        secret_key: secret_key.unwrap_or_else(|| DEV_STRIPE_SECRET_KEY.to_owned()),
        webhook_secrets: webhook_secret
            .unwrap_or_else(|| DEV_STRIPE_WEBHOOK_SECRET.to_owned())
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        api_base,
        success_url: v.or(
            "STRIPE_SUCCESS_URL",
            "http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}".to_owned(),
        )?,
        cancel_url: v.or(
            "STRIPE_CANCEL_URL",
            "http://localhost:5173/payment/cancel".to_owned(),
        )?,
        currency,
        session_expiry: Duration::from_secs(minutes * 60),
        timeout: v.millis("STRIPE_TIMEOUT_MS", 10_000)?,
    })
}

fn insecure(name: &str, reason: &str) -> ConfigError {
    ConfigError::Insecure {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        [&[("MONGO_URI", "mongodb://x")], pairs].concat()
    }

    #[test]
    fn defaults_are_this_services_port_database_and_the_seed_urls() {
        let settings = Settings::from_source(&vars(&[])).unwrap();
        assert_eq!(settings.service.port, 4004);
        assert_eq!(settings.mongo.db, "lms_payment");
        assert_eq!(
            settings.stripe.success_url,
            "http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}"
        );
        assert_eq!(settings.stripe.currency, "usd");
        assert_eq!(settings.stripe.session_expiry, Duration::from_secs(1800));
        assert_eq!(settings.webhook_limit_bytes, 1024 * 1024);
        assert_eq!(settings.course_service.url, "http://127.0.0.1:4002");
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }

    #[test]
    fn the_session_expiry_must_be_within_stripes_limits() {
        for ok in ["30", "1440"] {
            assert!(Settings::from_source(&vars(&[("STRIPE_SESSION_EXPIRY_MINUTES", ok)])).is_ok());
        }
        for bad in ["29", "1441", "soon"] {
            let err = Settings::from_source(&vars(&[("STRIPE_SESSION_EXPIRY_MINUTES", bad)]))
                .unwrap_err();
            assert!(
                err.to_string().contains("STRIPE_SESSION_EXPIRY_MINUTES"),
                "{err}"
            );
        }
    }

    #[test]
    fn production_refuses_to_start_without_real_keys() {
        let token = (
            "INTERNAL_API_TOKEN",
            "a-very-long-random-internal-token-123",
        );
        let prod = |extra: &[(&str, &str)]| {
            let mut pairs = vec![("APP_ENV", "production"), token];
            pairs.extend_from_slice(extra);
            Settings::from_source(&vars(&pairs))
        };
        assert_eq!(
            prod(&[]).unwrap_err(),
            ConfigError::Missing("STRIPE_SECRET_KEY".into())
        );
        let err = prod(&[("STRIPE_SECRET_KEY", DEV_STRIPE_SECRET_KEY)]).unwrap_err();
        assert!(err.to_string().contains("STRIPE_SECRET_KEY"), "{err}");
        let key = ("STRIPE_SECRET_KEY", "sk_live_abcdefghijklmnopqrstuvwxyz");
        assert_eq!(
            prod(&[key]).unwrap_err(),
            ConfigError::Missing("STRIPE_WEBHOOK_SECRET".into())
        );
        let err = prod(&[key, ("STRIPE_WEBHOOK_SECRET", DEV_STRIPE_WEBHOOK_SECRET)]).unwrap_err();
        assert!(err.to_string().contains("STRIPE_WEBHOOK_SECRET"), "{err}");
        let hook = ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghijklmnopqrstuvwxyz");
        let err = prod(&[key, hook, ("STRIPE_API_BASE", "http://127.0.0.1:12111")]).unwrap_err();
        assert!(err.to_string().contains("STRIPE_API_BASE"), "{err}");
        let settings = prod(&[key, hook]).unwrap();
        assert!(!format!("{settings:?}").contains("sk_live"));
    }

    #[test]
    fn several_webhook_secrets_may_be_active_while_one_rolls() {
        let settings =
            Settings::from_source(&vars(&[("STRIPE_WEBHOOK_SECRET", "whsec_old, whsec_new")]))
                .unwrap();
        assert_eq!(
            settings.stripe.webhook_secrets,
            vec!["whsec_old", "whsec_new"]
        );
    }
}
