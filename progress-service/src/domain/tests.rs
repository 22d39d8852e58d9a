//! Unit and property tests of the progress rules.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use shared::internal::LectureSummary;

use super::*;

fn body(watched: &[[f64; 2]]) -> HeartbeatBody {
    HeartbeatBody {
        watched: Some(watched.iter().map(|s| s.to_vec()).collect()),
        ..HeartbeatBody::default()
    }
}

fn lecture(id: &str) -> LectureSummary {
    LectureSummary {
        id: id.to_owned(),
        title: id.to_owned(),
        duration: 100.0,
        order: 0,
        is_preview: false,
    }
}

#[test]
fn rewatching_the_same_minute_counts_sixty_seconds_once() {
    let mut total = Coverage::default();
    for _ in 0..2 {
        let hb = Heartbeat::parse(body(&[[0.0, 60.0]]), 600.0).unwrap();
        total.union(&hb.watched);
    }
    assert_eq!(total.seconds(), 60);
    assert_eq!(total.runs(), vec![(0, 60)]);
}

#[test]
fn overlapping_and_adjacent_segments_merge() {
    let hb = Heartbeat::parse(body(&[[10.0, 70.0], [60.0, 130.0], [130.0, 140.0]]), 600.0).unwrap();
    assert_eq!(hb.watched.runs(), vec![(10, 140)]);
    assert_eq!(hb.watched.seconds(), 130);
}

#[test]
fn values_past_the_end_are_clamped_to_the_duration() {
    let hb = Heartbeat::parse(
        HeartbeatBody {
            last_position: Some(1e12),
            watched: Some(vec![vec![50.0, 9e9]]),
            is_completed: None,
        },
        90.0,
    )
    .unwrap();
    assert_eq!(hb.last_position, Some(90.0));
    assert_eq!(hb.watched.runs(), vec![(50, 90)]);
}

#[test]
fn garbage_is_refused_with_the_field_named() {
    let cases: Vec<(HeartbeatBody, &str)> = vec![
        (body(&[[-1.0, 5.0]]), "watched[0]"),
        (body(&[[0.0, 5.0], [9.0, 3.0]]), "watched[1]"),
        (body(&[[f64::NAN, 5.0]]), "watched[0]"),
        (
            HeartbeatBody {
                watched: Some(vec![vec![1.0, 2.0, 3.0]]),
                ..HeartbeatBody::default()
            },
            "watched[0]",
        ),
        (
            HeartbeatBody {
                last_position: Some(-3.0),
                ..HeartbeatBody::default()
            },
            "lastPosition",
        ),
        (
            HeartbeatBody {
                watched: Some(vec![vec![0.0, 1.0]; MAX_SEGMENTS + 1]),
                ..HeartbeatBody::default()
            },
            "watched",
        ),
    ];
    for (body, field) in cases {
        let errors = Heartbeat::parse(body, 100.0).unwrap_err();
        assert_eq!(errors[0].field, field);
    }
    assert!(Heartbeat::parse(body(&[[0.0, 1.0]; MAX_SEGMENTS]), 100.0).is_ok());
}

#[test]
fn the_threshold_needs_ninety_percent_of_whole_seconds() {
    let t = CompletionThreshold::default();
    assert_eq!(t.required_seconds(60.0), Some(54));
    assert_eq!(t.required_seconds(0.0), None);
    assert_eq!(t.required_seconds(0.4), Some(1));
    assert!("0".parse::<CompletionThreshold>().is_err());
    assert!("1.01".parse::<CompletionThreshold>().is_err());
}

#[test]
fn the_percentage_counts_only_current_lectures() {
    let mut p = CourseProgress::default();
    for id in ["a", "b", "gone"] {
        p.lectures.insert(
            id.to_owned(),
            LectureProgress {
                is_completed: true,
                ..LectureProgress::default()
            },
        );
    }
    let current = [lecture("a"), lecture("b"), lecture("c")];
    assert_eq!(p.percentage(&current), 67);
    assert_eq!(p.percentage(&current[..2]), 100);
    assert!(p.all_completed(&current[..2]));
    assert!(!p.all_completed(&[]));
    assert_eq!(p.percentage(&[]), 0);
}

#[test]
fn resume_picks_the_latest_unfinished_then_the_next_then_the_first() {
    let lectures = [lecture("a"), lecture("b"), lecture("c")];
    let mut p = CourseProgress::default();
    assert_eq!(p.resume(&lectures).lecture_id.as_deref(), Some("a"));
    let at = |s| Some(Utc.timestamp_opt(s, 0).unwrap());
    p.lectures.insert(
        "a".into(),
        LectureProgress {
            last_watched: at(10),
            last_position: 30.0,
            ..LectureProgress::default()
        },
    );
    p.lectures.insert(
        "b".into(),
        LectureProgress {
            last_watched: at(20),
            last_position: 12.0,
            ..LectureProgress::default()
        },
    );
    let r = p.resume(&lectures);
    assert_eq!(
        (r.lecture_id.as_deref(), r.last_position),
        (Some("b"), 12.0)
    );
    p.lectures.get_mut("b").unwrap().is_completed = true;
    assert_eq!(p.resume(&lectures).lecture_id.as_deref(), Some("c"));
    p.lectures.insert(
        "c".into(),
        LectureProgress {
            is_completed: true,
            ..LectureProgress::default()
        },
    );
    let r = p.resume(&lectures);
    assert_eq!(
        (r.lecture_id.as_deref(), r.last_position),
        (Some("a"), 30.0)
    );
    p.lectures.get_mut("a").unwrap().is_completed = true;
    assert_eq!(p.resume(&lectures).lecture_id.as_deref(), Some("a"));
    assert_eq!(p.resume(&[]).lecture_id, None);
}

proptest! {
    #[test]
    fn coverage_counts_exactly_the_distinct_seconds(
        segments in proptest::collection::vec((0u64..2_000, 0u64..300), 0..20)
    ) {
        let mut coverage = Coverage::default();
        let mut naive = BTreeSet::new();
        for (from, len) in &segments {
            coverage.insert_range(*from, from + len);
            naive.extend(*from..from + len);
        }
        prop_assert_eq!(coverage.seconds(), naive.len() as u64);
        let from_runs: BTreeSet<u64> = coverage.runs().into_iter().flat_map(|(a, b)| a..b).collect();
        prop_assert_eq!(&from_runs, &naive);
        // Runs are sorted, disjoint and never touch (they are the merged segments).
        for pair in coverage.runs().windows(2) {
            prop_assert!(pair[0].1 < pair[1].0);
        }
        // Stored words round-trip, and merging is idempotent.
        let copy = Coverage::from_words(coverage.words());
        let mut twice = copy.clone();
        twice.union(&coverage);
        prop_assert_eq!(twice, coverage);
    }

    #[test]
    fn parsed_heartbeats_stay_within_the_lecture(
        from in 0.0f64..1e7, len in 0.0f64..1e7, duration in 0.0f64..50_000.0
    ) {
        let hb = Heartbeat::parse(body(&[[from, from + len]]), duration).unwrap();
        let limit = if duration > 0.0 { duration.round() as u64 } else { 86_400 };
        prop_assert!(hb.watched.runs().iter().all(|(_, to)| *to <= limit));
    }
}

proptest! {
    #[test]
    fn the_threshold_never_asks_for_more_than_the_lecture_or_less_than_a_second(
        fraction in 0.001f64..=1.0, duration in 0.5f64..86_400.0
    ) {
        let t: CompletionThreshold = fraction.to_string().parse().unwrap();
        let required = t.required_seconds(duration).unwrap();
        prop_assert!(required >= 1);
        prop_assert!(required <= duration.round().max(1.0) as u64);
    }
}
