//! Why a single sign-on attempt ended without a session: each case is a code the frontend's page shows
//! (`<CLIENT_URL>/sso/error?code=...`), never a cause or a stack.

/// A failed or refused sign-in through a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SsoFailure {
    #[error("the request's parameters could not be read")]
    BadRequest,
    #[error("no provider is configured under that id")]
    UnknownProvider,
    #[error("the provider answered with an error")]
    ProviderError,
    #[error("the state is unknown, used, expired or bound to another browser or provider")]
    StateInvalid,
    #[error("the response names another issuer (RFC 9207)")]
    IssuerMismatch,
    #[error("the provider refused the code exchange")]
    TokenExchangeFailed,
    #[error("the ID token is invalid")]
    IdTokenInvalid,
    #[error("the provider sent no e-mail address")]
    EmailMissing,
    #[error("the e-mail address is not allowed for this provider")]
    DomainNotAllowed,
    #[error("the e-mail address belongs to an account and is not verified by a trusted provider")]
    EmailUnverified,
    #[error("an account has this e-mail address: link it with its password first")]
    LinkRequired,
    #[error("the identity is linked to another account")]
    IdentityTaken,
    #[error("the account is inactive")]
    AccountInactive,
    #[error("linking needs a signed-in account")]
    NotLoggedIn,
    #[error("the provider or our storage is unavailable")]
    Unavailable,
}

impl SsoFailure {
    /// The code on the frontend's page.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "SSO_BAD_REQUEST",
            Self::UnknownProvider => "SSO_UNKNOWN_PROVIDER",
            Self::ProviderError => "SSO_PROVIDER_ERROR",
            Self::StateInvalid => "SSO_STATE_INVALID",
            Self::IssuerMismatch => "SSO_ISSUER_MISMATCH",
            Self::TokenExchangeFailed => "SSO_TOKEN_EXCHANGE_FAILED",
            Self::IdTokenInvalid => "SSO_ID_TOKEN_INVALID",
            Self::EmailMissing => "SSO_EMAIL_MISSING",
            Self::DomainNotAllowed => "SSO_DOMAIN_NOT_ALLOWED",
            Self::EmailUnverified => "SSO_EMAIL_UNVERIFIED",
            Self::LinkRequired => "LINK_REQUIRED",
            Self::IdentityTaken => "SSO_IDENTITY_TAKEN",
            Self::AccountInactive => "ACCOUNT_INACTIVE",
            Self::NotLoggedIn => "NOT_LOGGED_IN",
            Self::Unavailable => "SSO_UNAVAILABLE",
        }
    }

    /// Every code, for the document and the tests.
    pub const ALL: [SsoFailure; 15] = [
        Self::BadRequest,
        Self::UnknownProvider,
        Self::ProviderError,
        Self::StateInvalid,
        Self::IssuerMismatch,
        Self::TokenExchangeFailed,
        Self::IdTokenInvalid,
        Self::EmailMissing,
        Self::DomainNotAllowed,
        Self::EmailUnverified,
        Self::LinkRequired,
        Self::IdentityTaken,
        Self::AccountInactive,
        Self::NotLoggedIn,
        Self::Unavailable,
    ];
}
