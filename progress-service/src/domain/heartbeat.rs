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
    /// Where the player is now.
    #[schema(example = 42.5)]
    pub last_position: Option<f64>,
    /// Segments watched since the last heartbeat, `[[from, to], ...]`, at most 100.
    #[schema(example = json!([[0, 30.5]]))]
    pub watched: Option<Vec<Vec<f64>>>,
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
