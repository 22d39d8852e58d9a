//! The provider side of a flow: the authorization URL (code flow, PKCE S256, `state`, `nonce`), the code
//! exchange at the token endpoint (client secret over HTTP Basic), and the ID token's checks: signature
//! (RS256/ES256, `shared::jwks`), `iss`, `aud`, `exp`, `iat`, `nonce` and `azp`. Claims missing from the
//! ID token (e-mail, name) come from the userinfo endpoint, whose `sub` must be the ID token's.

use serde::Deserialize;
use serde_json::Value;
use shared::jwks::ProviderValidation;

use super::SsoFailure;
use super::discovery::Discovered;
use super::flow::Started;
use crate::config::SsoProvider;

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct ProviderUser {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// The provider's `email_verified` (false when absent).
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The authorization request (RFC 6749 §4.1.1 with RFC 7636 and OpenID Connect's `nonce`).
pub fn authorization_url(
    discovered: &Discovered,
    provider: &SsoProvider,
    redirect_uri: &str,
    started: &Started,
) -> Result<String, SsoFailure> {
    let mut url = reqwest::Url::parse(&discovered.metadata.authorization_endpoint)
        .map_err(|_| SsoFailure::Unavailable)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &provider.scopes.join(" "))
        .append_pair("state", &started.state)
        .append_pair("nonce", &started.nonce)
        .append_pair("code_challenge", &started.code_challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// RFC 6749 §2.3.1: the client id and secret are form-encoded before they go into Basic credentials.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
}

#[derive(Deserialize)]
struct IdClaims {
    iss: String,
    sub: String,
    /// A string or a list (the signature check already found our client id in it).
    aud: Value,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Value>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Value>,
    #[serde(default)]
    name: Option<String>,
}

/// `true` or the string `"true"` (some providers send strings).
fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || matches!(v, Some(Value::String(s)) if s == "true")
}

/// Exchanges the code and checks the ID token; returns who signed in.
pub async fn finish(
    http: &reqwest::Client,
    discovered: &Discovered,
    provider: &SsoProvider,
    redirect_uri: &str,
    code: &str,
    code_verifier: &str,
    nonce: &str,
) -> Result<ProviderUser, SsoFailure> {
    let res = http
        .post(&discovered.metadata.token_endpoint)
        .basic_auth(
            form_encode(&provider.client_id),
            Some(form_encode(&provider.client_secret)),
        )
        .header("accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ])
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(sso.provider = %provider.id, error = %e, "the token endpoint did not answer");
            SsoFailure::Unavailable
        })?;
    let status = res.status();
    if !status.is_success() {
        // Only the OAuth error code is logged: the body could echo what we sent.
        let error = res.json::<TokenError>().await.ok().and_then(|e| e.error);
        tracing::info!(sso.provider = %provider.id, http.status = status.as_u16(), oauth.error = ?error, "the provider refused the code exchange");
        return Err(if status.is_server_error() {
            SsoFailure::Unavailable
        } else {
            SsoFailure::TokenExchangeFailed
        });
    }
    let tokens: TokenResponse = res
        .json()
        .await
        .map_err(|_| SsoFailure::TokenExchangeFailed)?;
    let id_token = tokens.id_token.ok_or(SsoFailure::TokenExchangeFailed)?;
    let expected = ProviderValidation {
        issuer: discovered.metadata.issuer.clone(),
        audience: provider.client_id.clone(),
        leeway_secs: 30,
    };
    let claims: IdClaims = discovered
        .keys
        .verify(&id_token, &expected)
        .await
        .map_err(|e| {
            tracing::info!(sso.provider = %provider.id, reason = e.reason(), "an ID token was refused");
            SsoFailure::IdTokenInvalid
        })?;
    check_claims(&claims, provider, nonce, &expected.issuer)?;
    let mut user = ProviderUser {
        issuer: claims.iss,
        subject: claims.sub,
        email: claims.email,
        email_verified: is_true(claims.email_verified.as_ref()),
        name: claims.name,
    };
    if user.email.is_none()
        && let (Some(endpoint), Some(access_token)) = (
            discovered.metadata.userinfo_endpoint.as_deref(),
            tokens.access_token.as_deref(),
        )
    {
        let info = userinfo(http, endpoint, access_token).await?;
        if info.sub != user.subject {
            tracing::warn!(sso.provider = %provider.id, "userinfo named another subject than the ID token");
            return Err(SsoFailure::IdTokenInvalid);
        }
        user.email = info.email;
        user.email_verified = is_true(info.email_verified.as_ref());
        user.name = user.name.or(info.name);
    }
    Ok(user)
}

/// What the signature check leaves to us (OpenID Connect Core §3.1.3.7).
fn check_claims(
    claims: &IdClaims,
    provider: &SsoProvider,
    nonce: &str,
    issuer: &str,
) -> Result<(), SsoFailure> {
    let refuse = |what: &str| {
        tracing::info!(sso.provider = %provider.id, check = what, "an ID token was refused");
        Err(SsoFailure::IdTokenInvalid)
    };
    if claims.iss != issuer || claims.sub.is_empty() || claims.sub.len() > 255 {
        return refuse("iss/sub");
    }
    let several = claims.aud.as_array().is_some_and(|list| list.len() > 1);
    if several && claims.azp.is_none() {
        return refuse("azp missing with several audiences");
    }
    if claims
        .azp
        .as_deref()
        .is_some_and(|azp| azp != provider.client_id)
    {
        return refuse("azp");
    }
    let nonce_ok = claims.nonce.as_deref().is_some_and(|n| {
        aws_lc_rs::constant_time::verify_slices_are_equal(n.as_bytes(), nonce.as_bytes()).is_ok()
    });
    if !nonce_ok {
        return refuse("nonce");
    }
    Ok(())
}

async fn userinfo(
    http: &reqwest::Client,
    endpoint: &str,
    access_token: &str,
) -> Result<UserInfo, SsoFailure> {
    let res = http
        .get(endpoint)
        .bearer_auth(access_token)
        .header("accept", "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| {
            tracing::warn!(error = %e, "the userinfo endpoint failed");
            SsoFailure::Unavailable
        })?;
    // A signed (JWT) userinfo answer is not asked for; anything but JSON is refused.
    res.json().await.map_err(|_| SsoFailure::IdTokenInvalid)
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(super::form_encode("a b:c/é"), "a%20b%3Ac%2F%C3%A9");
        assert_eq!(super::form_encode("Az09-._~"), "Az09-._~");
    }
}
