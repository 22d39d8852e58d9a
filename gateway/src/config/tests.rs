use super::*;
use std::collections::HashMap;

fn source(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let settings = Settings::from_source(&source(&[])).unwrap();
    assert_eq!(settings.service.port, 4000);
    assert_eq!(settings.upstreams.auth, "http://127.0.0.1:4001");
    assert_eq!(settings.upstreams.payment, "http://127.0.0.1:4004");
    assert_eq!(
        settings.jwks_url,
        "http://127.0.0.1:4001/api/v1/auth/.well-known/jwks.json"
    );
    assert_eq!(settings.allowed_origins, ["http://localhost:5173"]);
    assert_eq!(settings.rate_limits.global.max, 100);
    assert_eq!(settings.rate_limits.global.window, Duration::from_secs(900));
    assert_eq!(settings.body_limits.json, 10 * 1024);
    assert!(settings.trusted_proxies.is_empty());
    assert!(!settings.revocation_fail_open);
}

#[test]
fn the_jwks_url_follows_the_auth_service_url_and_trailing_slashes_are_dropped() {
    let settings =
        Settings::from_source(&source(&[("AUTH_SERVICE_URL", "http://auth:4001/")])).unwrap();
    assert_eq!(settings.upstreams.auth, "http://auth:4001");
    assert_eq!(
        settings.jwks_url,
        "http://auth:4001/api/v1/auth/.well-known/jwks.json"
    );
}

#[test]
fn several_origins_and_proxies_are_read_from_lists() {
    let settings = Settings::from_source(&source(&[
        (
            "CLIENT_URL",
            "https://app.example.com, http://localhost:5173/",
        ),
        ("TRUSTED_PROXIES", "10.0.0.0/8, ::1/128"),
    ]))
    .unwrap();
    assert_eq!(
        settings.allowed_origins,
        ["https://app.example.com", "http://localhost:5173"]
    );
    assert_eq!(settings.trusted_proxies.len(), 2);
}

#[test]
fn malformed_values_are_named() {
    for (name, value) in [
        ("COURSE_SERVICE_URL", "course:4002"),
        ("PORT", "70000"),
        ("CLIENT_URL", "https://app.example.com/login"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("RATE_LIMIT_MAX", "0"),
        ("AUTH_RATE_LIMIT_WINDOW_SECS", "0"),
        ("REVOCATION_FAIL_OPEN", "maybe"),
    ] {
        let err = Settings::from_source(&source(&[(name, value)])).unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn the_per_ip_budgets_follow_the_global_one_unless_set() {
    let defaults = Settings::from_source(&source(&[])).unwrap();
    assert_eq!(defaults.rate_limits.per_ip.max, 1000);
    assert_eq!(defaults.rate_limits.api_key_lookups.max, 25);
    assert_eq!(
        defaults.rate_limits.api_key_lookups.window,
        Duration::from_secs(900)
    );
    assert_eq!(defaults.timeouts.internal, Duration::from_secs(5));
    let raised = Settings::from_source(&source(&[
        ("RATE_LIMIT_MAX", "1000000000"),
        ("RATE_LIMIT_WINDOW_SECS", "60"),
        ("API_KEY_LOOKUP_MAX", "3"),
    ]))
    .unwrap();
    assert_eq!(raised.rate_limits.per_ip.max, u32::MAX);
    assert_eq!(raised.rate_limits.per_ip.window, Duration::from_secs(60));
    assert_eq!(raised.rate_limits.api_key_lookups.max, 3);
}
