//! Issuing: gathers the facts from auth- and course-service, takes a status number, builds the
//! credential, signs it and stores it. Generation 0 comes from `course.completed` (once per student and
//! course, whatever the event replays); a re-issue on request is the next generation with the current
//! name, and revokes the one it replaces as superseded.

use anyhow::Context;
use chrono::{DateTime, Utc};
use mongodb::bson::oid::ObjectId;

use crate::credential::{Facts, jwt_claims, open_badge};
use crate::state::AppState;
use crate::status_list::StatusEntry;
use crate::store::Certificate;

/// What became of an issuance.
#[derive(Debug)]
pub enum Issued {
    New(Box<Certificate>),
    /// That generation exists already (a replayed event, or a concurrent re-issue).
    Exists,
    /// The account or the course is gone: there is nobody or nothing to certify.
    Gone,
}

/// Issues generation `generation` of the user's certificate for the course.
pub async fn issue(
    state: &AppState,
    user: ObjectId,
    course: ObjectId,
    generation: i32,
    completed_at: DateTime<Utc>,
) -> anyhow::Result<Issued> {
    let store = &state.store;
    if store.certificates.exists(user, course, generation).await? {
        return Ok(Issued::Exists);
    }
    let Some(learner) = state.neighbours.person(&user.to_hex()).await? else {
        return Ok(Issued::Gone);
    };
    let Some(summary) = state.neighbours.course(&course.to_hex()).await? else {
        return Ok(Issued::Gone);
    };
    let instructor = state
        .neighbours
        .person(&summary.instructor)
        .await?
        .map_or_else(String::new, |p| p.name);
    let number = store.counters.next_status_number().await?;
    let status = StatusEntry::for_number(&state.settings, number);
    let id = ObjectId::new();
    let issued_at = Utc::now();
    let id_hex = id.to_hex();
    let credential = open_badge(
        &state.settings,
        &Facts {
            certificate_id: &id_hex,
            issued_at,
            completed_at,
            learner_name: &learner.name,
            course_id: &summary.id,
            course_title: &summary.title,
            course_description: &summary.description,
            instructor_name: &instructor,
            status: &status,
        },
    );
    let (jwt, kid) = state.keys.sign(&jwt_claims(&credential, issued_at))?;
    let certificate = Certificate {
        id,
        user,
        course,
        generation,
        status_number: number,
        learner_name: Some(learner.name),
        course_title: summary.title,
        credential: Some(serde_json::to_string(&credential).context("serializing a credential")?),
        jwt: Some(jwt),
        kid,
        issued_at,
        completed_at,
        revoked_at: None,
        revocation_reason: None,
    };
    if !store.certificates.insert(&certificate).await? {
        return Ok(Issued::Exists);
    }
    tracing::info!(certificate.id = %id, user.id = %user, course.id = %course, generation, "issued a certificate");
    Ok(Issued::New(Box::new(certificate)))
}
