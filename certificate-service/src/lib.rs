//! certificate-service: one Open Badges 3.0 credential per student and completed course, signed with the
//! platform's Ed25519 issuer key (not auth-service's login keys), verifiable offline from public URLs, and
//! revoked through a Bitstring Status List on refund, by an admin, or when the account is deleted.

pub mod commands;
pub mod config;
pub mod credential;
pub mod domain;
pub mod error;
pub mod events;
pub mod issuing;
pub mod keys;
pub mod neighbours;
pub mod routes;
pub mod startup;
pub mod state;
pub mod status_list;
pub mod store;
pub mod verify;
