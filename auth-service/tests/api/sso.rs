//! Single sign-on against two real OpenID providers (npm `oidc-provider`, one process each on its own
//! port): `corp` signs ID tokens with RS256, keeps e-mail in userinfo and is trusted for `email_verified`;
//! `other` signs with ES256, puts the claims in the ID token and is not trusted. The login and consent
//! are filled in by the test's client; the service runs behind a proxy whose port the providers know.

use reqwest::{Client, Response, Url};
use serde_json::{Value, json};
use test_support::{CLIENT_URL, OidcClient, OidcLogin, OidcProvider, TcpProxy, email, run_id};

use crate::helpers::{
    PASSWORD, TestApp, new_client, reset_token_from, set_cookie, spawn_app_with, spawn_vars,
    wait_for_mail,
};

struct World {
    app: TestApp,
    /// The address the providers send the browser back to (a proxy in front of the service).
    base: String,
    corp: OidcProvider,
    other: OidcProvider,
    _proxy: TcpProxy,
    _secret_file: SecretFile,
}

/// A client secret on disk (`SSO_CORP_CLIENT_SECRET_FILE`), removed afterwards.
struct SecretFile(std::path::PathBuf);

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn world() -> World {
    let proxy = TcpProxy::start("127.0.0.1:9", true).await;
    let base = format!("http://127.0.0.1:{}", proxy.port());
    let corp_redirect = format!("{base}/api/v1/auth/sso/corp/callback");
    let other_redirect = format!("{base}/api/v1/auth/sso/other/callback");
    let corp = OidcProvider::start(
        &[OidcClient {
            client_id: "lms-corp",
            client_secret: "corp secret:/+%",
            redirect_uri: &corp_redirect,
            id_token_alg: "RS256",
        }],
        false,
    );
    let other = OidcProvider::start(
        &[OidcClient {
            client_id: "lms-other",
            client_secret: "other-secret",
            redirect_uri: &other_redirect,
            id_token_alg: "ES256",
        }],
        true,
    );
    let secret = SecretFile(std::env::temp_dir().join(format!("sso-secret-{}", run_id())));
    std::fs::write(&secret.0, "corp secret:/+%\n").unwrap();
    let app = spawn_app_with(spawn_vars(&[
        ("SSO_PROVIDERS", "corp,other"),
        ("SSO_REDIRECT_BASE_URL", &base),
        ("SSO_CORP_NAME", "Corp Login"),
        ("SSO_CORP_ISSUER", &corp.issuer),
        ("SSO_CORP_CLIENT_ID", "lms-corp"),
        ("SSO_CORP_CLIENT_SECRET_FILE", secret.0.to_str().unwrap()),
        ("SSO_CORP_TRUST_EMAIL", "true"),
        ("SSO_OTHER_ISSUER", &other.issuer),
        ("SSO_OTHER_CLIENT_ID", "lms-other"),
        ("SSO_OTHER_CLIENT_SECRET", "other-secret"),
    ]))
    .await;
    proxy.set_target(app.address.trim_start_matches("http://"));
    World {
        app,
        base,
        corp,
        other,
        _proxy: proxy,
        _secret_file: secret,
    }
}

fn location(res: &Response) -> Url {
    let raw = res
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on a {} answer", res.status()))
        .to_str()
        .unwrap();
    Url::parse(raw).unwrap()
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The same URL with one query parameter replaced (or removed, with `None`).
fn with_param(url: &Url, name: &str, value: Option<&str>) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    {
        let mut q = out.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    out
}

impl World {
    fn provider(&self, id: &str) -> &OidcProvider {
        if id == "corp" {
            &self.corp
        } else {
            &self.other
        }
    }

    async fn start(&self, browser: &Client, provider: &str, query: &str) -> Response {
        let res = browser
            .get(format!(
                "{}/api/v1/auth/sso/{provider}/start{query}",
                self.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "start answers 303");
        res
    }

    /// Starts at `provider` and comes back from it as `who`: the callback URL, not yet visited.
    async fn authorize(&self, browser: &Client, provider: &str, who: &OidcLogin) -> Url {
        let start = self.start(browser, provider, "").await;
        let callback = self
            .provider(provider)
            .authorize(browser, location(&start).as_str(), who)
            .await;
        assert!(
            callback.as_str().starts_with(&format!(
                "{}/api/v1/auth/sso/{provider}/callback",
                self.base
            )),
            "back at {callback}"
        );
        callback
    }

    async fn visit(&self, browser: &Client, url: &Url) -> Response {
        let res = browser.get(url.clone()).send().await.unwrap();
        assert_eq!(res.status(), 303, "the callback answers 303");
        res
    }

    /// A whole sign-in; returns the callback's answer.
    async fn sign_in(&self, browser: &Client, provider: &str, who: &OidcLogin) -> Response {
        let callback = self.authorize(browser, provider, who).await;
        self.visit(browser, &callback).await
    }

    async fn me(&self, browser: &Client) -> Response {
        browser
            .get(format!("{}/api/v1/auth/me", self.base))
            .send()
            .await
            .unwrap()
    }

    async fn identities(&self) -> Vec<mongodb::bson::Document> {
        use futures_util::TryStreamExt;
        self.app
            .state
            .store
            .db
            .collection("identities")
            .find(mongodb::bson::doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }

    async fn link(&self, browser: &Client, password: &str) -> Response {
        browser
            .post(format!("{}/api/v1/auth/sso/link", self.base))
            .json(&json!({ "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Rewrites one field of the flow stored for `state` (what an attacker could not do; it stands for a
    /// response that does not match the flow).
    async fn tamper_flow(&self, state: &str, field: &str, value: &str) {
        let key = self.app.state.sso.flows.state_key(state);
        let raw: String = self.app.redis_cmd(redis::cmd("GET").arg(&key)).await;
        let mut flow: Value = serde_json::from_str(&raw).unwrap();
        flow[field] = json!(value);
        let () = self
            .app
            .redis_cmd(
                redis::cmd("SET")
                    .arg(&key)
                    .arg(flow.to_string())
                    .arg("EX")
                    .arg(60),
            )
            .await;
    }
}

/// The frontend error page's code, and that no session was started.
fn refused(res: &Response) -> String {
    assert!(
        set_cookie(res, "token").is_none(),
        "no session on a refusal"
    );
    assert!(set_cookie(res, "refresh_token").is_none());
    let url = location(res);
    assert_eq!(
        url.origin().ascii_serialization(),
        CLIENT_URL,
        "ends on the frontend"
    );
    assert_eq!(url.path(), "/sso/error");
    query(&url, "code").expect("an error code")
}

fn signed_in(res: &Response) -> Url {
    assert!(
        set_cookie(res, "token").is_some(),
        "token cookie set: {:?}",
        location(res)
    );
    let refresh = set_cookie(res, "refresh_token").expect("refresh cookie");
    assert!(refresh.contains("HttpOnly") && refresh.contains("Path=/api/v1"));
    location(res)
}

#[tokio::test]
async fn the_sign_in_page_lists_the_configured_providers() {
    let w = world().await;
    let body: Value = new_client()
        .get(format!("{}/api/v1/auth/sso", w.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["providers"][0]["id"], "corp");
    assert_eq!(body["providers"][0]["name"], "Corp Login");
    assert_eq!(
        body["providers"][0]["startUrl"],
        "/api/v1/auth/sso/corp/start"
    );
    assert_eq!(body["providers"][1]["name"], "other");
    assert!(!body.to_string().contains("secret"));
    let res = w.start(&new_client(), "nope", "").await;
    assert_eq!(refused(&res), "SSO_UNKNOWN_PROVIDER");
}

#[tokio::test]
async fn a_new_user_is_created_and_found_again_by_issuer_and_subject() {
    let w = world().await;
    let browser = new_client();
    let start = w.start(&browser, "corp", "?returnTo=/courses/mine").await;
    let to_provider = location(&start);
    assert!(to_provider.as_str().starts_with(&w.corp.issuer));
    assert_eq!(
        query(&to_provider, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(query(&to_provider, "code_challenge").unwrap().len(), 43);
    assert!(query(&to_provider, "nonce").is_some() && query(&to_provider, "state").is_some());
    let flow_cookie = set_cookie(&start, "sso_flow").unwrap();
    assert!(flow_cookie.contains("SameSite=Lax") && flow_cookie.contains("HttpOnly"));

    let who = OidcLogin::new(&email(), true);
    let callback = w.corp.authorize(&browser, to_provider.as_str(), &who).await;
    let res = w.visit(&browser, &callback).await;
    assert_eq!(
        signed_in(&res).as_str(),
        format!("{CLIENT_URL}/courses/mine")
    );
    let me: Value = w.me(&browser).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], who.email.as_str());
    assert_eq!(me["user"]["role"], "student");
    assert_eq!(me["user"]["name"], "Sso Person");
    let user_id = me["user"]["_id"].as_str().unwrap().to_owned();
    let stored: mongodb::bson::Document = w
        .app
        .state
        .store
        .db
        .collection("users")
        .find_one(mongodb::bson::doc! { "email": &who.email })
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.get_bool("emailVerified").unwrap(),
        "trusted provider, verified address"
    );

    // The same subject with another address is the same account: e-mail never identifies.
    let mut moved = who.clone();
    moved.email = email();
    let again = new_client();
    let res = w.sign_in(&again, "corp", &moved).await;
    assert_eq!(signed_in(&res).as_str(), format!("{CLIENT_URL}/"));
    let me: Value = w.me(&again).await.json().await.unwrap();
    assert_eq!(me["user"]["_id"], user_id.as_str());
    let identities = w.identities().await;
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].get_str("issuer").unwrap(), w.corp.issuer);
    assert_eq!(identities[0].get_str("subject").unwrap(), who.sub);

    // Listed, and not removable: it is the account's only way in.
    let list: Value = again
        .get(format!("{}/api/v1/user/identities", w.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["hasPassword"], false);
    assert_eq!(list["identities"][0]["providerName"], "Corp Login");
    let id = list["identities"][0]["id"].as_str().unwrap();
    let res = again
        .delete(format!("{}/api/v1/user/identities/{id}", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["success"], false);
    // Nor can a password sign in to it.
    let res = w.app.sign_in(&new_client(), &who.email, "").await;
    assert_eq!(res.status(), 400);
    let res = w.app.sign_in(&new_client(), &who.email, PASSWORD).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_es256_provider_with_claims_in_the_id_token_creates_an_unverified_account() {
    let w = world().await;
    let browser = new_client();
    let who = OidcLogin::new(&email(), true);
    let res = w.sign_in(&browser, "other", &who).await;
    signed_in(&res);
    let me: Value = w.me(&browser).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], who.email.as_str());
    let stored: mongodb::bson::Document = w
        .app
        .state
        .store
        .db
        .collection("users")
        .find_one(mongodb::bson::doc! { "email": &who.email })
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.get_bool("emailVerified").unwrap(),
        "an untrusted provider's word is not taken"
    );
}

#[tokio::test]
async fn an_email_collision_requires_a_link_and_the_password_links_it() {
    let w = world().await;
    let (address, _, body) = w.app.new_user("instructor").await;
    let user_id = body["user"]["_id"].as_str().unwrap().to_owned();
    let who = OidcLogin::new(&address, true);

    let browser = new_client();
    let res = w.sign_in(&browser, "corp", &who).await;
    assert_eq!(refused(&res), "LINK_REQUIRED");
    assert!(set_cookie(&res, "sso_link").unwrap().contains("HttpOnly"));
    assert_eq!(w.me(&browser).await.status(), 401, "no session");
    assert!(w.identities().await.is_empty());

    // A wrong password spends the pending link.
    let res = w.link(&browser, "not-the-password-1").await;
    assert_eq!(res.status(), 401);
    let res = w.link(&browser, PASSWORD).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["success"], false);
    assert!(w.identities().await.is_empty());

    // Again, with the password.
    let res = w.sign_in(&browser, "corp", &who).await;
    assert_eq!(refused(&res), "LINK_REQUIRED");
    let res = w.link(&browser, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(set_cookie(&res, "token").is_some());
    let linked: Value = res.json().await.unwrap();
    assert_eq!(linked["user"]["_id"], user_id.as_str());
    assert_eq!(linked["user"]["role"], "instructor");
    assert_eq!(w.identities().await.len(), 1);

    // From now on the provider signs in to that account directly.
    let fresh = new_client();
    signed_in(&w.sign_in(&fresh, "corp", &who).await);
    let me: Value = w.me(&fresh).await.json().await.unwrap();
    assert_eq!(me["user"]["_id"], user_id.as_str());
}

#[tokio::test]
async fn an_unverified_email_never_links() {
    let w = world().await;
    let (address, _, _) = w.app.new_user("student").await;
    // The trusted provider, but it says the address is not verified.
    let browser = new_client();
    let res = w
        .sign_in(&browser, "corp", &OidcLogin::new(&address, false))
        .await;
    assert_eq!(refused(&res), "SSO_EMAIL_UNVERIFIED");
    assert!(set_cookie(&res, "sso_link").is_none());
    assert_eq!(w.link(&browser, PASSWORD).await.status(), 409);
    // The untrusted provider, although it says verified.
    let res = w
        .sign_in(&browser, "other", &OidcLogin::new(&address, true))
        .await;
    assert_eq!(refused(&res), "SSO_EMAIL_UNVERIFIED");
    assert!(set_cookie(&res, "sso_link").is_none());
    assert_eq!(w.link(&browser, PASSWORD).await.status(), 409);
    assert!(w.identities().await.is_empty());
    assert_eq!(w.me(&browser).await.status(), 401);
}

#[tokio::test]
async fn a_replayed_forged_or_foreign_state_is_refused() {
    let w = world().await;
    let browser = new_client();
    let who = OidcLogin::new(&email(), true);
    let callback = w.authorize(&browser, "corp", &who).await;

    // Another browser cannot complete it (login CSRF), and trying spends the state.
    let res = w.visit(&new_client(), &callback).await;
    assert_eq!(refused(&res), "SSO_STATE_INVALID");
    let res = w.visit(&browser, &callback).await;
    assert_eq!(refused(&res), "SSO_STATE_INVALID");

    // A completed flow cannot be replayed.
    let callback = w.authorize(&browser, "corp", &who).await;
    signed_in(&w.visit(&browser, &callback).await);
    let res = w.visit(&new_client(), &callback).await;
    assert_eq!(refused(&res), "SSO_STATE_INVALID");
    let replay = new_client();
    let res = w.visit(&browser, &callback).await;
    assert_eq!(refused(&res), "SSO_STATE_INVALID");

    // A made-up state, a missing one, a malformed one.
    let forged = with_param(&callback, "state", Some("A".repeat(43).as_str()));
    assert_eq!(
        refused(&w.visit(&browser, &forged).await),
        "SSO_STATE_INVALID"
    );
    let missing = with_param(&callback, "state", None);
    assert_eq!(
        refused(&w.visit(&replay, &missing).await),
        "SSO_STATE_INVALID"
    );
    let malformed = with_param(&callback, "state", Some("../../x"));
    assert_eq!(
        refused(&w.visit(&replay, &malformed).await),
        "SSO_STATE_INVALID"
    );
}

#[tokio::test]
async fn a_nonce_mismatch_is_refused() {
    let w = world().await;
    let browser = new_client();
    let callback = w
        .authorize(&browser, "other", &OidcLogin::new(&email(), true))
        .await;
    let state = query(&callback, "state").unwrap();
    w.tamper_flow(&state, "nonce", "a-nonce-this-flow-never-sent")
        .await;
    assert_eq!(
        refused(&w.visit(&browser, &callback).await),
        "SSO_ID_TOKEN_INVALID"
    );
    assert_eq!(w.me(&browser).await.status(), 401);
}

#[tokio::test]
async fn a_missing_or_wrong_pkce_verifier_is_refused() {
    let w = world().await;
    let who = OidcLogin::new(&email(), true);
    // An intercepted code is worth nothing without the verifier, even with the client's secret.
    let browser = new_client();
    let callback = w.authorize(&browser, "other", &who).await;
    let code = query(&callback, "code").unwrap();
    let redirect_uri = format!("{}/api/v1/auth/sso/other/callback", w.base);
    for verifier in [None, Some("x".repeat(43))] {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", redirect_uri.clone()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let res = new_client()
            .post(format!("{}/token", w.other.issuer))
            .basic_auth("lms-other", Some("other-secret"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "the provider refuses the code");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
    // And a callback whose verifier does not match the challenge is refused.
    let callback = w.authorize(&browser, "corp", &who).await;
    let state = query(&callback, "state").unwrap();
    w.tamper_flow(&state, "codeVerifier", &"v".repeat(43)).await;
    assert_eq!(
        refused(&w.visit(&browser, &callback).await),
        "SSO_TOKEN_EXCHANGE_FAILED"
    );
    assert_eq!(w.me(&browser).await.status(), 401);
}

#[tokio::test]
async fn a_wrong_or_missing_iss_is_refused() {
    let w = world().await;
    let browser = new_client();
    let who = OidcLogin::new(&email(), true);
    let callback = w.authorize(&browser, "corp", &who).await;
    assert_eq!(
        query(&callback, "iss").as_deref(),
        Some(w.corp.issuer.as_str())
    );
    let wrong = with_param(&callback, "iss", Some(&w.other.issuer));
    assert_eq!(
        refused(&w.visit(&browser, &wrong).await),
        "SSO_ISSUER_MISMATCH"
    );
    // The provider announces RFC 9207 support, so a response without `iss` is refused too.
    let callback = w.authorize(&browser, "corp", &who).await;
    let without = with_param(&callback, "iss", None);
    assert_eq!(
        refused(&w.visit(&browser, &without).await),
        "SSO_ISSUER_MISMATCH"
    );
    assert_eq!(w.me(&browser).await.status(), 401);
}

#[tokio::test]
async fn a_second_provider_cannot_complete_the_first_ones_flow() {
    let w = world().await;
    let browser = new_client();
    let who = OidcLogin::new(&email(), true);
    // A flow started at corp, and a response from other in the same browser.
    let corp_state = || async {
        let start = w.start(&browser, "corp", "").await;
        query(&location(&start), "state").unwrap()
    };
    let from_other = w.authorize(&browser, "other", &who).await;
    let corp_callback = |state: &str, iss: Option<&str>| {
        let mut url = Url::parse(&format!("{}/api/v1/auth/sso/corp/callback", w.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("code", &query(&from_other, "code").unwrap())
            .append_pair("state", state);
        if let Some(iss) = iss {
            url.query_pairs_mut().append_pair("iss", iss);
        }
        url
    };
    // other's code and issuer against corp's state: the issuer gives it away (RFC 9207).
    let url = corp_callback(&corp_state().await, Some(&w.other.issuer));
    assert_eq!(
        refused(&w.visit(&browser, &url).await),
        "SSO_ISSUER_MISMATCH"
    );
    // Claiming corp's issuer does not help: corp never issued that code.
    let url = corp_callback(&corp_state().await, Some(&w.corp.issuer));
    assert_eq!(
        refused(&w.visit(&browser, &url).await),
        "SSO_TOKEN_EXCHANGE_FAILED"
    );
    // corp's whole response delivered to other's callback: the state belongs to corp.
    let from_corp = w.authorize(&browser, "corp", &who).await;
    let mut crossed = Url::parse(&format!("{}/api/v1/auth/sso/other/callback", w.base)).unwrap();
    crossed.set_query(from_corp.query());
    assert_eq!(
        refused(&w.visit(&browser, &crossed).await),
        "SSO_STATE_INVALID"
    );
    // other's own response still works where it belongs? It was never used: its state is intact.
    signed_in(&w.visit(&browser, &from_other).await);
    assert_eq!(w.identities().await.len(), 1);
    assert_eq!(
        w.identities().await[0].get_str("issuer").unwrap(),
        w.other.issuer
    );
}

#[tokio::test]
async fn a_deactivated_account_cannot_sign_in_through_sso() {
    let w = world().await;
    let who = OidcLogin::new(&email(), true);
    let browser = new_client();
    signed_in(&w.sign_in(&browser, "corp", &who).await);
    let me: Value = w.me(&browser).await.json().await.unwrap();
    let id = me["user"]["_id"].as_str().unwrap();
    w.app
        .state
        .store
        .users
        .update_admin_fields(id, None, Some(false))
        .await
        .unwrap();
    let res = w.sign_in(&new_client(), "corp", &who).await;
    assert_eq!(refused(&res), "ACCOUNT_INACTIVE");
}

#[tokio::test]
async fn a_signed_in_user_links_a_provider_unlinks_it_and_deleting_the_account_removes_it() {
    let w = world().await;
    let (address, _, body) = w.app.new_user("student").await;
    let user_id = body["user"]["_id"].as_str().unwrap().to_owned();
    // Linking needs a session.
    let res = w.start(&new_client(), "other", "?intent=link").await;
    assert_eq!(refused(&res), "NOT_LOGGED_IN");

    let browser = new_client();
    let res = w.app.sign_in(&browser, &address, PASSWORD).await;
    assert_eq!(res.status(), 200);
    // The identity's address does not matter here (and the provider is not trusted): the session proves
    // the account.
    let who = OidcLogin::new(&email(), false);
    let start = w
        .start(
            &browser,
            "other",
            "?intent=link&returnTo=https://evil.example/x",
        )
        .await;
    let callback = w
        .other
        .authorize(&browser, location(&start).as_str(), &who)
        .await;
    let res = w.visit(&browser, &callback).await;
    assert_eq!(
        signed_in(&res).as_str(),
        format!("{CLIENT_URL}/"),
        "a foreign returnTo is ignored"
    );
    let identities = w.identities().await;
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].get_str("userId").unwrap(), user_id);

    // Someone else cannot link the same identity.
    let (address2, _, _) = w.app.new_user("student").await;
    let second = new_client();
    w.app.sign_in(&second, &address2, PASSWORD).await;
    let start = w.start(&second, "other", "?intent=link").await;
    let callback = w
        .other
        .authorize(&second, location(&start).as_str(), &who)
        .await;
    assert_eq!(
        refused(&w.visit(&second, &callback).await),
        "SSO_IDENTITY_TAKEN"
    );

    // With a password the identity can go; then it signs in as a new account would.
    let list: Value = browser
        .get(format!("{}/api/v1/user/identities", w.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["hasPassword"], true);
    let id = list["identities"][0]["id"].as_str().unwrap();
    let url = format!("{}/api/v1/user/identities/{id}", w.base);
    assert_eq!(browser.delete(&url).send().await.unwrap().status(), 200);
    assert_eq!(browser.delete(&url).send().await.unwrap().status(), 404);
    assert!(w.identities().await.is_empty());

    // Linked again, then the account is deleted: its identities go with it.
    let start = w.start(&browser, "other", "?intent=link").await;
    let callback = w
        .other
        .authorize(&browser, location(&start).as_str(), &who)
        .await;
    signed_in(&w.visit(&browser, &callback).await);
    assert_eq!(w.identities().await.len(), 1);
    let res = browser
        .delete(format!("{}/api/v1/user/account", w.base))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(w.identities().await.is_empty());
}

/// Account squatting the other way round: someone creates an account for an address they do not own
/// through a provider nobody trusts for e-mail, then the address's owner resets the password from the
/// mail. The reset proves the address, so every identity no trusted provider vouched for is unlinked (the
/// squatter cannot come back through it) and the trusted provider's identity of the address stays.
#[tokio::test]
async fn a_password_reset_unlinks_every_identity_no_trusted_provider_vouched_for() {
    let w = world().await;
    let address = email();
    let squatter = OidcLogin::new(&address, true);
    let browser = new_client();
    signed_in(&w.sign_in(&browser, "other", &squatter).await);
    // The same session links the trusted provider's identity of the address.
    let owner = OidcLogin::new(&address, true);
    let start = w.start(&browser, "corp", "?intent=link").await;
    let callback = w
        .corp
        .authorize(&browser, location(&start).as_str(), &owner)
        .await;
    signed_in(&w.visit(&browser, &callback).await);
    assert_eq!(w.identities().await.len(), 2);

    let res = w
        .app
        .post(
            &w.app.client,
            "/api/v1/user/forgot-password",
            json!({ "email": address }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let token = reset_token_from(&wait_for_mail(&address).await);
    let res = w
        .app
        .post(
            &w.app.client,
            &format!("/api/v1/user/reset-password/{token}"),
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(res.status(), 200);

    let left = w.identities().await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].get_str("provider").unwrap(), "corp");
    assert_eq!(
        refused(&w.sign_in(&new_client(), "other", &squatter).await),
        "SSO_EMAIL_UNVERIFIED",
        "the squatter's way in is gone"
    );
    let fresh = new_client();
    signed_in(&w.sign_in(&fresh, "corp", &owner).await);
    let me: Value = w.me(&fresh).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], address.as_str());
    assert_eq!(
        w.app
            .sign_in(&new_client(), &address, PASSWORD)
            .await
            .status(),
        200
    );
}
