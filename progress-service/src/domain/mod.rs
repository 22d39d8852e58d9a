//! Progress rules that need no I/O: watched seconds as a bitmap, the heartbeat body parsed into clamped
//! values, the completion threshold, and the figures computed when a record is read.

mod coverage;
mod heartbeat;
mod record;
#[cfg(test)]
mod tests;

pub use coverage::{Coverage, WORD_BITS};
pub use heartbeat::{Heartbeat, HeartbeatBody, MAX_SEGMENTS, UNKNOWN_DURATION_CAP_SECS};
pub use record::{CompletionThreshold, CourseProgress, LectureProgress, Resume};
