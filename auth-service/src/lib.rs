//! auth-service: users, sign-up/in/out, refresh sessions, profile, password reset, roles, admin invites and
//! API keys, single sign-on with OpenID providers; signs the access tokens every other service trusts.

pub mod auth;
pub mod bootstrap;
pub mod commands;
pub mod config;
pub mod cookies;
pub mod domain;
pub mod error;
pub mod events;
pub mod mail;
pub mod passwords;
pub mod refresh;
pub mod revocations;
pub mod routes;
pub mod sso;
pub mod startup;
pub mod state;
pub mod store;
pub mod tokens;
