//! Someone using the API: a client and how it proves who it is — the cookies in its jar (a browser), an
//! `Authorization: Bearer` access token, or an `X-API-Key` (scripts and integrations).

use reqwest::{Client, Method, RequestBuilder};
use test_support::browser;

/// How an [`Actor`] authenticates.
#[derive(Debug, Clone)]
pub enum Credential {
    /// Whatever cookies its jar holds (and nothing once it has none).
    Cookies,
    Bearer(String),
    ApiKey(String),
}

/// A client that sends its credential with every request.
pub struct Actor {
    pub client: Client,
    pub credential: Credential,
    /// Its user id (set after sign-up).
    pub id: String,
    pub email: String,
}

impl Actor {
    /// A browser: a cookie jar, no redirects followed.
    pub fn browser(email: String) -> Self {
        Self {
            client: browser(),
            credential: Credential::Cookies,
            id: String::new(),
            email,
        }
    }

    /// A script without cookies; its credential is set after sign-up.
    pub fn script(email: String) -> Self {
        Self {
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("building a reqwest client"),
            credential: Credential::Cookies,
            id: String::new(),
            email,
        }
    }

    /// A request carrying the credential.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let req = self.client.request(method, url);
        match &self.credential {
            Credential::Cookies => req,
            Credential::Bearer(token) => req.bearer_auth(token),
            Credential::ApiKey(key) => req.header("x-api-key", key),
        }
    }

    pub fn get(&self, url: &str) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: &str) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    pub fn patch(&self, url: &str) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    pub fn delete(&self, url: &str) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }
}
