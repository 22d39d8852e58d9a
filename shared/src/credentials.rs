//! The credentials a caller may present and the one order every service reads them in: an API key
//! (`X-API-Key`, or a bearer token starting `pk_`), then a bearer token, then the `token` cookie. The
//! gateway, auth-service and the services' `principal` extractor all go through [`Presented`], so a request
//! carrying several is understood the same way everywhere.

/// Cookie that carries the access token (the seed's name).
pub const ACCESS_COOKIE: &str = "token";
/// Cookie that carries the refresh token, set by auth-service.
pub const REFRESH_COOKIE: &str = "refresh_token";
/// Header that carries an API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// How every API key starts, so one sent as a bearer token is recognised.
pub const API_KEY_PREFIX: &str = "pk_";

/// Credentials as found on a request, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    None,
    ApiKey(String),
    Bearer(String),
    Cookie(String),
}

impl Presented {
    /// Picks the credentials from what a request carries, in the one order: API key header, bearer token
    /// (an API key when it starts with [`API_KEY_PREFIX`]), access cookie. Blank values count as absent.
    pub fn choose(api_key: Option<&str>, bearer: Option<String>, cookie: Option<&str>) -> Self {
        if let Some(key) = api_key {
            return Self::ApiKey(key.trim().to_owned());
        }
        match bearer {
            Some(t) if t.starts_with(API_KEY_PREFIX) => Self::ApiKey(t),
            Some(t) => Self::Bearer(t),
            None => cookie
                .filter(|v| !v.is_empty())
                .map_or(Self::None, |v| Self::Cookie(v.to_owned())),
        }
    }

    /// The credentials of an actix request.
    #[cfg(feature = "actix")]
    pub fn from_request(req: &actix_web::HttpRequest) -> Self {
        let api_key = req
            .headers()
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok());
        let cookie = req.cookie(ACCESS_COOKIE);
        Self::choose(
            api_key,
            crate::http::bearer_token(req),
            cookie.as_ref().map(actix_web::cookie::Cookie::value),
        )
    }

    /// Whether the browser sent these credentials by itself (the case CSRF and origin checks are about).
    pub fn is_cookie(&self) -> bool {
        matches!(self, Self::Cookie(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_wins_then_the_bearer_token_then_the_cookie() {
        let bearer = || Some("eyJ.a.b".to_owned());
        assert_eq!(
            Presented::choose(Some(" pk_1 "), bearer(), Some("c")),
            Presented::ApiKey("pk_1".into())
        );
        assert_eq!(
            Presented::choose(None, Some("pk_2".into()), Some("c")),
            Presented::ApiKey("pk_2".into())
        );
        assert_eq!(
            Presented::choose(None, bearer(), Some("c")),
            Presented::Bearer("eyJ.a.b".into())
        );
        assert_eq!(
            Presented::choose(None, None, Some("c")),
            Presented::Cookie("c".into())
        );
        assert!(Presented::choose(None, None, Some("c")).is_cookie());
        assert_eq!(Presented::choose(None, None, Some("")), Presented::None);
        assert_eq!(Presented::choose(None, None, None), Presented::None);
    }
}
