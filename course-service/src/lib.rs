//! course-service: courses, lectures, enrolments and media files, stored in its own database.

pub mod config;
pub mod routes;
pub mod startup;
