//! A user's progress through one course as stored, and the figures computed from it when it is read,
//! always against the lectures the course has now: the percentage, which lectures count, where to resume.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use shared::internal::LectureSummary;

use super::Coverage;

/// Share of a lecture's seconds that completes it (`COMPLETION_THRESHOLD`), in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompletionThreshold(f64);

impl Default for CompletionThreshold {
    fn default() -> Self {
        Self(0.9)
    }
}

impl FromStr for CompletionThreshold {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a number"))?;
        if value.is_finite() && value > 0.0 && value <= 1.0 {
            Ok(Self(value))
        } else {
            Err(format!("`{s}` is not a fraction in (0, 1], e.g. 0.9"))
        }
    }
}

impl CompletionThreshold {
    /// The fraction itself.
    pub fn fraction(self) -> f64 {
        self.0
    }

    /// Whole seconds to watch before a lecture of `duration` seconds completes; `None` when the duration
    /// is unknown (only an explicit completion counts then).
    pub fn required_seconds(self, duration: f64) -> Option<u64> {
        if !duration.is_finite() || duration <= 0.0 {
            return None;
        }
        let total = duration.round().max(1.0);
        // Positive and at most 86 400 after the clamp on durations, so the cast is exact.
        Some(((total * self.0).ceil() as u64).max(1))
    }
}

/// One lecture's record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LectureProgress {
    pub watched: Coverage,
    pub last_position: f64,
    pub last_watched: Option<DateTime<Utc>>,
    pub is_completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    /// Bumped when the lecture is un-completed, so a completion decided before that is not applied after.
    pub epoch: i64,
}

impl LectureProgress {
    /// Unique seconds watched, never more than the lecture lasts.
    pub fn watch_time(&self, duration: f64) -> u64 {
        if duration.is_finite() && duration > 0.0 {
            self.watched.seconds_below(duration.round() as u64)
        } else {
            self.watched.seconds()
        }
    }
}

/// A user's record for one course (all zero when none is stored yet).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseProgress {
    /// By lecture id; lectures since removed from the course may linger and are ignored.
    pub lectures: HashMap<String, LectureProgress>,
    pub last_accessed: Option<DateTime<Utc>>,
    /// Set once, when every lecture first counted as completed; never cleared (sticky).
    pub completed_at: Option<DateTime<Utc>>,
    /// Bumped by a reset, for the same reason as [`LectureProgress::epoch`].
    pub epoch: i64,
}

/// Where the player should continue.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub lecture_id: Option<String>,
    pub last_position: f64,
}

impl CourseProgress {
    /// The record of a lecture, if the user touched it.
    pub fn lecture(&self, id: &str) -> Option<&LectureProgress> {
        self.lectures.get(id)
    }

    /// Whether a lecture counts as completed.
    pub fn is_lecture_completed(&self, id: &str) -> bool {
        self.lecture(id).is_some_and(|l| l.is_completed)
    }

    /// How many of the course's current lectures are completed.
    pub fn completed_count(&self, lectures: &[LectureSummary]) -> usize {
        lectures
            .iter()
            .filter(|l| self.is_lecture_completed(&l.id))
            .count()
    }

    /// `round(100 × completed / current lectures)`: never above 100, never stale.
    pub fn percentage(&self, lectures: &[LectureSummary]) -> u32 {
        percentage(self.completed_count(lectures), lectures.len())
    }

    /// Whether the course has lectures and every one of them is completed.
    pub fn all_completed(&self, lectures: &[LectureSummary]) -> bool {
        !lectures.is_empty() && self.completed_count(lectures) == lectures.len()
    }

    /// The most recently watched lecture that is not completed; else the next one in course order that
    /// is not completed (wrapping round); else the first lecture.
    pub fn resume(&self, lectures: &[LectureSummary]) -> Resume {
        let position = |id: &str| self.lecture(id).map_or(0.0, |l| l.last_position);
        let at = |l: &LectureSummary| Resume {
            lecture_id: Some(l.id.clone()),
            last_position: position(&l.id),
        };
        let latest = lectures
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Some((i, self.lecture(&l.id)?.last_watched?)))
            .max_by_key(|(_, at)| *at)
            .map(|(i, _)| i);
        let Some(latest) = latest else {
            return lectures.first().map_or(
                Resume {
                    lecture_id: None,
                    last_position: 0.0,
                },
                at,
            );
        };
        let n = lectures.len();
        (0..n)
            .map(|k| &lectures[(latest + k) % n])
            .find(|l| !self.is_lecture_completed(&l.id))
            .or_else(|| lectures.first())
            .map(at)
            .unwrap_or(Resume {
                lecture_id: None,
                last_position: 0.0,
            })
    }
}

/// `round(100 × done / total)`, 0 for an empty course.
pub fn percentage(done: usize, total: usize) -> u32 {
    if total == 0 {
        return 0;
    }
    ((done.min(total) as f64) * 100.0 / total as f64).round() as u32
}
