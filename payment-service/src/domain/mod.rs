//! The purchase life cycle as pure functions: statuses, what Stripe told us (observations), and which
//! transition each observation makes. Storage applies these as conditional single-document updates.

mod status;

pub use status::{Observation, PurchaseStatus, RefundChange, Transition, transition};

#[cfg(test)]
mod tests;
