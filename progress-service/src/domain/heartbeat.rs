//! The body of `PATCH /progress/{courseId}/lectures/{lectureId}` (also the player's heartbeat), parsed
//! against the lecture's duration: garbage is refused, values past the end are clamped.

use serde::Deserialize;
use shared::error::FieldError;
use utoipa::ToSchema;

use super::Coverage;

/// Most segments one request may carry (a player sends one or a few per heartbeat).
pub const MAX_SEGMENTS: usize = 100;
/// Upper bound for positions when the lecture's duration is unknown (0): 24 hours.
pub const UNKNOWN_DURATION_CAP_SECS: f64 = 86_400.0;

/// What a client sends. Numbers are seconds.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatBody {
    /// `true` completes the lecture; `false` (an explicit user action) un-completes it and clears its
    /// watched seconds, so re-watching can complete it again.
    pub is_completed: Option<bool>,
    /// Where the player is now (seconds; past the lecture's end it is clamped to the end).
    #[schema(example = 42.5, minimum = 0)]
    pub last_position: Option<f64>,
    /// Segments watched since the last heartbeat, `[[from, to], ...]`, at most 100, each with
    /// `0 <= from <= to` (seconds; past the lecture's end they are clamped to the end).
    #[schema(schema_with = watched_schema, example = json!([[0, 30.5]]))]
    pub watched: Option<Vec<Vec<f64>>>,
}

/// `watched`'s schema: null, or at most `MAX_SEGMENTS` pairs of numbers of seconds, 0 or more. That `from`
/// is not after `to` compares two items, which no JSON Schema can state (`scripts/contract.toml`).
fn watched_schema() -> utoipa::openapi::schema::ArrayBuilder {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let second = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0.0));
    let segment = ArrayBuilder::new()
        .items(second)
        .min_items(Some(2))
        .max_items(Some(2));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(segment)
        .max_items(Some(MAX_SEGMENTS))
}

/// A parsed heartbeat: clamped position and the seconds it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    pub is_completed: Option<bool>,
    pub last_position: Option<f64>,
    pub watched: Coverage,
}

impl Heartbeat {
    /// Validates `body` for a lecture of `duration` seconds (0: unknown).
    pub fn parse(body: HeartbeatBody, duration: f64) -> Result<Self, Vec<FieldError>> {
        let limit = if duration.is_finite() && duration > 0.0 {
            duration.min(UNKNOWN_DURATION_CAP_SECS)
        } else {
            UNKNOWN_DURATION_CAP_SECS
        };
        let mut errors = Vec::new();
        let last_position = match body.last_position {
            Some(p) if !p.is_finite() || p < 0.0 => {
                errors.push(FieldError::new(
                    "lastPosition",
                    "lastPosition must be a number of seconds, 0 or more",
                ));
                None
            }
            Some(p) => Some(p.min(limit)),
            None => None,
        };
        let mut watched = Coverage::default();
        let segments = body.watched.unwrap_or_default();
        if segments.len() > MAX_SEGMENTS {
            errors.push(FieldError::new(
                "watched",
                format!("watched may hold at most {MAX_SEGMENTS} segments"),
            ));
        } else {
            for (i, segment) in segments.iter().enumerate() {
                match segment.as_slice() {
                    [from, to]
                        if from.is_finite() && to.is_finite() && *from >= 0.0 && from <= to =>
                    {
                        watched.insert_range(to_second(*from, limit), to_second(*to, limit));
                    }
                    _ => {
                        errors.push(FieldError::new(
                            format!("watched[{i}]"),
                            "each segment must be [from, to] in seconds with 0 <= from <= to",
                        ));
                        break;
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Self {
                is_completed: body.is_completed,
                last_position,
                watched,
            })
        } else {
            Err(errors)
        }
    }
}

/// A time in seconds, clamped to the lecture and rounded to the nearest whole second, so a re-watched
/// `[0, 60]` always marks the same 60 seconds.
fn to_second(t: f64, limit: f64) -> u64 {
    // Within [0, 86 400] after clamping, so the cast is exact.
    t.min(limit).max(0.0).round() as u64
}
