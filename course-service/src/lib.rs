//! course-service: courses, lectures, enrolments and media files, stored in its own database.

pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod media;
pub mod reviews;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod users;
pub mod write_limit;
