//! Boundary and property tests for the domain newtypes.

use proptest::prelude::*;

use super::*;

#[test]
fn titles_subtitles_and_descriptions_stop_at_their_limits() {
    assert!(CourseTitle::parse(&"t".repeat(100)).is_ok());
    assert!(CourseTitle::parse(&"t".repeat(101)).is_err());
    assert!(CourseTitle::parse("   ").is_err());
    assert!(Subtitle::parse(&"s".repeat(200)).is_ok());
    assert!(Subtitle::parse(&"s".repeat(201)).is_err());
    assert!(Subtitle::parse("").is_ok());
    assert!(LectureDescription::parse(&"d".repeat(500)).is_ok());
    assert!(LectureDescription::parse(&"d".repeat(501)).is_err());
    assert!(
        LectureTitle::parse(&"é".repeat(100)).is_ok(),
        "characters, not bytes"
    );
    assert_eq!(CourseTitle::parse("  Rust  ").unwrap().as_str(), "Rust");
}

#[test]
fn prices_are_dollars_with_at_most_two_decimals_and_never_negative() {
    assert_eq!(Price::parse("0").unwrap().cents(), 0);
    assert_eq!(Price::parse("49.99").unwrap().cents(), 4999);
    assert_eq!(Price::parse("10.5").unwrap().cents(), 1050);
    assert_eq!(Price::parse("100000").unwrap().cents(), Price::MAX_CENTS);
    assert!(Price::parse("-0.01").is_err());
    assert!(Price::parse("100000.01").is_err());
    assert!(Price::parse("1.999").is_err());
    assert!(Price::parse("abc").is_err());
    assert!(Price::parse("1e3").is_err());
    assert!(Price::parse("").is_err());
    assert!((Price::parse("19.90").unwrap().dollars() - 19.9).abs() < f64::EPSILON);
    assert!(Price::from_json(&serde_json::json!(12.5)).is_ok());
    assert!(Price::from_json(&serde_json::json!(true)).is_err());
}

#[test]
fn levels_and_orders_accept_only_their_values() {
    assert_eq!(Level::parse("advanced").unwrap(), Level::Advanced);
    assert!(Level::parse("expert").is_err());
    assert!(Level::parse("Beginner").is_err());
    assert_eq!(LectureOrder::parse("3").unwrap().value(), 3);
    assert_eq!(LectureOrder::parse("2.0").unwrap().value(), 2);
    assert!(LectureOrder::parse("-1").is_err());
    assert!(LectureOrder::parse("1.5").is_err());
    assert!(LectureOrder::parse("10001").is_err());
}

proptest! {
    #[test]
    fn a_title_is_accepted_exactly_when_its_trimmed_length_is_1_to_100(s in "\\PC{0,120}") {
        let len = s.trim().chars().count();
        prop_assert_eq!(CourseTitle::parse(&s).is_ok(), (1..=100).contains(&len));
    }

    #[test]
    fn whole_cents_round_trip_through_the_dollar_text(cents in 0i64..=Price::MAX_CENTS) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(Price::parse(&text).unwrap().cents(), cents);
    }

    #[test]
    fn price_parsing_never_panics(s in "\\PC{0,20}") {
        let _ = Price::parse(&s);
    }

    #[test]
    fn orders_in_range_parse_and_others_do_not(n in -20_000i64..20_000) {
        prop_assert_eq!(
            LectureOrder::parse(&n.to_string()).is_ok(),
            (0..=i64::from(LectureOrder::MAX)).contains(&n)
        );
    }
}
