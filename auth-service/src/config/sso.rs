//! Single sign-on settings: the OpenID providers named by `SSO_PROVIDERS`, each from its own
//! `SSO_<ID>_*` variables (the client secret also as `SSO_<ID>_CLIENT_SECRET_FILE`).

use std::time::Duration;

use shared::config::{ConfigError, Vars};

/// One OpenID provider the platform signs people in with.
#[derive(Clone)]
pub struct SsoProvider {
    /// Lower-case letters, digits and `-` (at most 32): the path segment of its routes.
    pub id: String,
    /// Shown on the sign-in page (`SSO_<ID>_NAME`, default the id).
    pub name: String,
    /// `SSO_<ID>_ISSUER`: the issuer URL; its discovery document must name exactly this issuer.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `SSO_<ID>_SCOPES` (space- or comma-separated, default `openid email profile`; `openid` is added).
    pub scopes: Vec<String>,
    /// `SSO_<ID>_TRUST_EMAIL` (default false): take the provider's `email_verified` as proof.
    pub trust_email: bool,
    /// `SSO_<ID>_ALLOWED_DOMAINS`: when set, only e-mail addresses of these domains (or a tenant's).
    pub allowed_domains: Vec<String>,
}

impl std::fmt::Debug for SsoProvider {
    /// Everything but the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoProvider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("trust_email", &self.trust_email)
            .field("allowed_domains", &self.allowed_domains)
            .finish_non_exhaustive()
    }
}

/// Everything single sign-on needs.
#[derive(Debug, Clone)]
pub struct SsoSettings {
    pub providers: Vec<SsoProvider>,
    /// `SSO_REDIRECT_BASE_URL`: the public origin the browser reaches the gateway at (default
    /// `http://localhost:4000`); the redirect URI is `<it>/api/v1/auth/sso/<id>/callback`.
    pub redirect_base_url: String,
    /// `SSO_FLOW_TTL_SECS` (default 300): how long a started sign-in (state, nonce, PKCE verifier) and a
    /// pending link wait.
    pub flow_ttl: Duration,
    /// `SSO_HTTP_TIMEOUT_MS` (default 5000): discovery, keys and the token request.
    pub http_timeout: Duration,
    /// `SSO_DISCOVERY_TTL_SECS` (default 3600): how long a discovery document is cached.
    pub discovery_ttl: Duration,
}

fn invalid(name: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// An absolute `http(s)` URL without query or fragment; `https` required in production.
fn check_url(name: &str, raw: &str, production: bool) -> Result<String, ConfigError> {
    let url = reqwest::Url::parse(raw).map_err(|e| invalid(name, format!("not a URL: {e}")))?;
    let https = url.scheme() == "https";
    if !(https || url.scheme() == "http") || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            name,
            "must be an http(s) URL without query or fragment",
        ));
    }
    if production && !https {
        return Err(ConfigError::Insecure {
            name: name.to_owned(),
            reason: "must be https in production".into(),
        });
    }
    Ok(raw.trim().to_owned())
}

impl SsoSettings {
    pub fn from_vars(v: &Vars<'_>, production: bool) -> Result<Self, ConfigError> {
        let mut providers: Vec<SsoProvider> = Vec::new();
        for id in v.list("SSO_PROVIDERS", "")? {
            if !valid_id(&id) {
                return Err(invalid(
                    "SSO_PROVIDERS",
                    format!("`{id}` is not a provider id (a-z, 0-9, -; at most 32)"),
                ));
            }
            if providers.iter().any(|p| p.id == id) {
                return Err(invalid("SSO_PROVIDERS", format!("`{id}` is listed twice")));
            }
            let var = |suffix: &str| {
                format!("SSO_{}_{suffix}", id.to_ascii_uppercase().replace('-', "_"))
            };
            let issuer_var = var("ISSUER");
            let issuer = check_url(&issuer_var, &v.required::<String>(&issuer_var)?, production)?;
            let mut scopes: Vec<String> = v
                .or(&var("SCOPES"), "openid email profile".to_owned())?
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if !scopes.iter().any(|s| s == "openid") {
                scopes.insert(0, "openid".to_owned());
            }
            providers.push(SsoProvider {
                name: v.or(&var("NAME"), id.clone())?,
                issuer,
                client_id: v.required(&var("CLIENT_ID"))?,
                client_secret: v
                    .raw(&var("CLIENT_SECRET"))?
                    .ok_or_else(|| ConfigError::Missing(var("CLIENT_SECRET")))?,
                scopes,
                trust_email: v.flag(&var("TRUST_EMAIL"), false)?,
                allowed_domains: v
                    .list(&var("ALLOWED_DOMAINS"), "")?
                    .into_iter()
                    .map(|d| d.trim_start_matches('@').to_ascii_lowercase())
                    .collect(),
                id,
            });
        }
        let base = v.or("SSO_REDIRECT_BASE_URL", "http://localhost:4000".to_owned())?;
        let redirect_base_url = check_url(
            "SSO_REDIRECT_BASE_URL",
            &base,
            production && !providers.is_empty(),
        )?
        .trim_end_matches('/')
        .to_owned();
        Ok(Self {
            providers,
            redirect_base_url,
            flow_ttl: v.secs("SSO_FLOW_TTL_SECS", 300)?,
            http_timeout: v.millis("SSO_HTTP_TIMEOUT_MS", 5000)?,
            discovery_ttl: v.secs("SSO_DISCOVERY_TTL_SECS", 3600)?,
        })
    }

    /// The provider with this id.
    pub fn provider(&self, id: &str) -> Option<&SsoProvider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// Where the provider sends the browser back to.
    pub fn redirect_uri(&self, provider: &SsoProvider) -> String {
        format!(
            "{}/api/v1/auth/sso/{}/callback",
            self.redirect_base_url, provider.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<SsoSettings, ConfigError> {
        let source: Vec<(&str, &str)> = pairs.to_vec();
        SsoSettings::from_vars(&Vars::new(&source), false)
    }

    #[test]
    fn no_providers_by_default() {
        assert!(read(&[]).unwrap().providers.is_empty());
    }

    #[test]
    fn a_provider_is_read_from_its_own_variables() {
        let s = read(&[
            ("SSO_PROVIDERS", "corp-idp"),
            ("SSO_CORP_IDP_ISSUER", "https://idp.example.com/realms/x"),
            ("SSO_CORP_IDP_CLIENT_ID", "lms"),
            ("SSO_CORP_IDP_CLIENT_SECRET", "s3cret"),
            ("SSO_CORP_IDP_SCOPES", "email profile"),
            ("SSO_CORP_IDP_ALLOWED_DOMAINS", "@Example.com, example.org"),
        ])
        .unwrap();
        let p = &s.providers[0];
        assert_eq!(p.id, "corp-idp");
        assert_eq!(p.scopes, ["openid", "email", "profile"]);
        assert!(!p.trust_email);
        assert_eq!(p.allowed_domains, ["example.com", "example.org"]);
        assert!(!format!("{p:?}").contains("s3cret"));
        assert_eq!(
            s.redirect_uri(p),
            "http://localhost:4000/api/v1/auth/sso/corp-idp/callback"
        );
    }

    #[test]
    fn bad_provider_settings_are_named() {
        let err = read(&[("SSO_PROVIDERS", "Bad_Id")]).unwrap_err();
        assert!(err.to_string().contains("SSO_PROVIDERS"), "{err}");
        let err = read(&[("SSO_PROVIDERS", "a"), ("SSO_A_ISSUER", "https://x.io")]).unwrap_err();
        assert!(err.to_string().contains("SSO_A_CLIENT_ID"), "{err}");
        let err = read(&[
            ("SSO_PROVIDERS", "a"),
            ("SSO_A_ISSUER", "https://x.io"),
            ("SSO_A_CLIENT_ID", "c"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("SSO_A_CLIENT_SECRET"), "{err}");
        let err = read(&[("SSO_PROVIDERS", "a"), ("SSO_A_ISSUER", "ftp://x.io")]).unwrap_err();
        assert!(err.to_string().contains("SSO_A_ISSUER"), "{err}");
    }
}
