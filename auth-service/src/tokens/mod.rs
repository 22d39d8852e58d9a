//! Token issuing: Ed25519 signing keys, access tokens, and the opaque secrets (refresh tokens, reset
//! tokens, API keys) that are only ever stored as hashes.

mod access;
mod keyring;
pub mod secrets;

pub use access::{AccessToken, TokenIssuer, TokenSubject};
pub use keyring::{KeyRing, generate_signing_key, rotate_signing_key};
