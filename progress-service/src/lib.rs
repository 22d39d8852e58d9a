//! progress-service: how far each user is through each course, stored in its own database.

pub mod config;
pub mod routes;
pub mod startup;
pub mod state;
