//! What a verified provider user means for accounts (`docs/auth.md`, "Single sign-on"): an identity is
//! found by (issuer, subject) only; a new one creates an account when its e-mail address is free, and
//! otherwise signs nobody in: a verified address of a trusted provider gets "link required" (the
//! account's password links it), any other address never links. A signed-in user who started the flow
//! to link a provider gets the identity whatever its address.

use crate::config::SsoProvider;
use crate::domain::{Email, User, UserName};
use crate::error::is_duplicate_key;
use crate::state::AppState;
use crate::store::NewIdentity;

use super::SsoFailure;
use super::flow::{FlowState, PendingLink};
use super::oidc::ProviderUser;

/// Where a finished flow leads.
pub enum Outcome {
    SignIn(User),
    LinkRequired(PendingLink),
}

fn unavailable(e: impl std::fmt::Display) -> SsoFailure {
    tracing::error!(error = %e, "single sign-on storage failed");
    SsoFailure::Unavailable
}

/// The address's domain is one the provider may speak for.
fn domain_allowed(provider: &SsoProvider, email: Option<&Email>) -> Result<(), SsoFailure> {
    if provider.allowed_domains.is_empty() {
        return Ok(());
    }
    let email = email.ok_or(SsoFailure::EmailMissing)?;
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    if provider.allowed_domains.iter().any(|d| d == domain) {
        Ok(())
    } else {
        Err(SsoFailure::DomainNotAllowed)
    }
}

/// A display name from the provider's claims, or the address's local part.
fn display_name(who: &ProviderUser, email: &Email) -> String {
    let candidates = [
        who.name.clone().unwrap_or_default(),
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned(),
    ];
    candidates
        .iter()
        .map(|c| c.chars().take(50).collect::<String>())
        .find_map(|c| UserName::parse(&c).ok())
        .map_or_else(|| "New user".to_owned(), |n| n.as_str().to_owned())
}

fn active(user: User) -> Result<Outcome, SsoFailure> {
    if user.is_active {
        Ok(Outcome::SignIn(user))
    } else {
        Err(SsoFailure::AccountInactive)
    }
}

/// Decides what the provider's user signs in to.
pub async fn resolve(
    state: &AppState,
    provider: &SsoProvider,
    flow: &FlowState,
    who: &ProviderUser,
) -> Result<Outcome, SsoFailure> {
    let store = &state.store;
    let email = who.email.as_deref().and_then(|e| Email::parse(e).ok());
    domain_allowed(provider, email.as_ref())?;
    let verified = provider.trust_email && who.email_verified && email.is_some();

    if let Some(user_id) = &flow.link_user {
        return link_signed_in(state, provider, who, email.as_ref(), user_id).await;
    }

    let found = store
        .identities
        .find_and_touch(&who.issuer, &who.subject)
        .await
        .map_err(unavailable)?;
    if let Some(identity) = found {
        match store
            .users
            .find_by_id(&identity.user_id)
            .await
            .map_err(unavailable)?
        {
            Some(user) => return active(user),
            // The account went away without its identities (deleted before identities existed).
            None => store
                .identities
                .delete(&identity.id)
                .await
                .map_err(unavailable)?,
        }
    }

    let email = email.ok_or(SsoFailure::EmailMissing)?;
    let pending = |user: &User| PendingLink {
        provider: provider.id.clone(),
        issuer: who.issuer.clone(),
        subject: who.subject.clone(),
        email: email.as_str().to_owned(),
        user_id: user.id.clone(),
        return_to: flow.return_to.clone(),
    };
    if let Some(existing) = store
        .users
        .find_by_email(email.as_str())
        .await
        .map_err(unavailable)?
    {
        return if verified {
            Ok(Outcome::LinkRequired(pending(&existing)))
        } else {
            Err(SsoFailure::EmailUnverified)
        };
    }

    let name = display_name(who, &email);
    let user = match store
        .users
        .insert_from_provider(&name, email.as_str(), verified)
        .await
    {
        Ok(user) => user,
        // Someone took the address a moment ago: the same rule as above.
        Err(e) if is_duplicate_key(&e) => {
            return if verified {
                let existing = store
                    .users
                    .find_by_email(email.as_str())
                    .await
                    .map_err(unavailable)?
                    .ok_or(SsoFailure::Unavailable)?;
                Ok(Outcome::LinkRequired(pending(&existing)))
            } else {
                Err(SsoFailure::EmailUnverified)
            };
        }
        Err(e) => return Err(unavailable(e)),
    };
    let linked = store
        .identities
        .insert(NewIdentity {
            user_id: &user.id,
            provider: &provider.id,
            issuer: &who.issuer,
            subject: &who.subject,
            email: Some(email.as_str()),
            email_vouched: verified,
        })
        .await;
    match linked {
        Ok(_) => {
            tracing::info!(user.id = %user.id, sso.provider = %provider.id, "account created through single sign-on");
            Ok(Outcome::SignIn(user))
        }
        // A concurrent first sign-in of the same identity won: drop our account, use theirs.
        Err(e) if is_duplicate_key(&e) => {
            store.users.delete(&user.id).await.map_err(unavailable)?;
            let identity = store
                .identities
                .find_and_touch(&who.issuer, &who.subject)
                .await
                .map_err(unavailable)?
                .ok_or(SsoFailure::Unavailable)?;
            let user = store
                .users
                .find_by_id(&identity.user_id)
                .await
                .map_err(unavailable)?
                .ok_or(SsoFailure::Unavailable)?;
            active(user)
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// The signed-in user of the flow gets the identity (its session proved the account).
async fn link_signed_in(
    state: &AppState,
    provider: &SsoProvider,
    who: &ProviderUser,
    email: Option<&Email>,
    user_id: &str,
) -> Result<Outcome, SsoFailure> {
    let store = &state.store;
    let user = store
        .users
        .find_by_id(user_id)
        .await
        .map_err(unavailable)?
        .ok_or(SsoFailure::NotLoggedIn)?;
    let found = store
        .identities
        .find_and_touch(&who.issuer, &who.subject)
        .await
        .map_err(unavailable)?;
    match found {
        Some(identity) if identity.user_id == user.id => return active(user),
        Some(_) => return Err(SsoFailure::IdentityTaken),
        None => {}
    }
    let vouched = provider.trust_email
        && who.email_verified
        && email.is_some_and(|e| e.as_str() == user.email);
    link(
        state,
        provider,
        &user,
        Linked {
            issuer: &who.issuer,
            subject: &who.subject,
            email: email.map(Email::as_str),
            email_vouched: vouched,
        },
    )
    .await?;
    active(user)
}

/// The provider's side of an identity being linked.
pub struct Linked<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    /// See [`NewIdentity::email_vouched`].
    pub email_vouched: bool,
}

/// Links an identity to an account; taken by someone else → `IdentityTaken`.
pub async fn link(
    state: &AppState,
    provider: &SsoProvider,
    user: &User,
    linked: Linked<'_>,
) -> Result<(), SsoFailure> {
    let inserted = state
        .store
        .identities
        .insert(NewIdentity {
            user_id: &user.id,
            provider: &provider.id,
            issuer: linked.issuer,
            subject: linked.subject,
            email: linked.email,
            email_vouched: linked.email_vouched,
        })
        .await;
    match inserted {
        Ok(_) => {
            tracing::info!(user.id = %user.id, sso.provider = %provider.id, "identity linked");
            Ok(())
        }
        Err(e) if is_duplicate_key(&e) => Err(SsoFailure::IdentityTaken),
        Err(e) => Err(unavailable(e)),
    }
}
