//! A real OpenID provider for the SSO tests: panva's `oidc-provider` from npm (pinned by
//! `oidc-provider/package-lock.json`, installed by `scripts/test`), run by `oidc-provider/provider.mjs` on
//! a free loopback port and stopped by its PID when dropped. Its login and consent are forms that
//! [`OidcProvider::authorize`] fills in with a test's HTTP client, as a person would in a browser.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// One registered client of the provider.
pub struct OidcClient<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_uri: &'a str,
    /// `RS256` or `ES256`: what the provider signs this client's ID tokens with.
    pub id_token_alg: &'a str,
}

/// Who signs in at the provider.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

impl OidcLogin {
    /// A new person with a fresh subject and the given address.
    pub fn new(email: &str, email_verified: bool) -> Self {
        Self {
            sub: format!("sub-{}", crate::run_id()),
            email: email.to_owned(),
            email_verified,
            name: "Sso Person".to_owned(),
        }
    }
}

/// A running provider.
pub struct OidcProvider {
    /// `http://127.0.0.1:<port>`, also its issuer.
    pub issuer: String,
    child: Child,
    _stdout: BufReader<ChildStdout>,
}

/// The folder of the provider script and its `node_modules`.
pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-provider")
}

impl OidcProvider {
    /// Starts a provider with these clients. `claims_in_id_token` puts e-mail and name into the ID token
    /// itself; otherwise (oidc-provider's default) they come only from the userinfo endpoint.
    pub fn start(clients: &[OidcClient<'_>], claims_in_id_token: bool) -> Self {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules/oidc-provider/package.json")
                .is_file(),
            "{}/node_modules is missing: run ./scripts/test (it runs `npm ci` there)",
            dir.display()
        );
        let clients: Vec<Value> = clients
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id,
                    "client_secret": c.client_secret,
                    "redirect_uris": [c.redirect_uri],
                    "id_token_signed_response_alg": c.id_token_alg,
                })
            })
            .collect();
        let config = json!({ "clients": clients, "conformIdTokenClaims": !claims_in_id_token });
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .current_dir(&dir)
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start node (the SSO tests need Node.js 20+)");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("reading the provider's first line");
        let Some(issuer) = line.trim().strip_prefix("listening ") else {
            let _ = child.kill();
            panic!("the OpenID provider did not start (said {line:?})");
        };
        Self {
            issuer: issuer.to_owned(),
            child,
            _stdout: stdout,
        }
    }

    /// Follows a `/start` answer through the provider, logging in as `who` and consenting, up to the
    /// redirect back to the client; returns that redirect URL (with `code`, `state` and `iss`).
    pub async fn authorize(
        &self,
        browser: &reqwest::Client,
        authorization_url: &str,
        who: &OidcLogin,
    ) -> reqwest::Url {
        let mut next = reqwest::Url::parse(authorization_url).expect("authorization URL");
        for _ in 0..12 {
            if !next.as_str().starts_with(&self.issuer) {
                return next;
            }
            let res = if let Some(uid) = next.path().strip_prefix("/interaction/") {
                let page: Value = browser
                    .get(next.clone())
                    .send()
                    .await
                    .expect("the provider's interaction page")
                    .json()
                    .await
                    .expect("interaction JSON");
                let base = format!("{}/interaction/{uid}", self.issuer);
                match page["prompt"].as_str() {
                    Some("login") => browser
                        .post(format!("{base}/login"))
                        .form(&[
                            ("sub", who.sub.as_str()),
                            ("email", who.email.as_str()),
                            (
                                "email_verified",
                                if who.email_verified { "true" } else { "false" },
                            ),
                            ("name", who.name.as_str()),
                        ])
                        .send()
                        .await
                        .expect("posting the login form"),
                    Some("consent") => browser
                        .post(format!("{base}/confirm"))
                        .send()
                        .await
                        .expect("posting the consent form"),
                    other => panic!("unexpected interaction {other:?}: {page}"),
                }
            } else {
                browser
                    .get(next.clone())
                    .send()
                    .await
                    .expect("a provider page")
            };
            assert!(
                res.status().is_redirection(),
                "the provider answered {} at {}: {}",
                res.status(),
                next.path(),
                res.text().await.unwrap_or_default()
            );
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("a redirect without Location");
            next = next.join(location).expect("a Location URL");
        }
        panic!("the provider never sent the browser back");
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // By PID: the one process this guard started.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
