//! Conversions between what a store keeps in BSON and what a service works with: times (BSON keeps
//! milliseconds) and ObjectId hex strings.

use chrono::{DateTime, Utc};
use mongodb::bson::DateTime as BsonDateTime;
use mongodb::bson::oid::ObjectId;

/// Converts a BSON time to chrono.
pub fn to_chrono(t: BsonDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

/// Converts a chrono time to BSON (to the millisecond).
pub fn to_bson(t: DateTime<Utc>) -> BsonDateTime {
    BsonDateTime::from_millis(t.timestamp_millis())
}

/// The current time at the precision the store keeps, so what a handler answers from memory equals what a
/// later read returns.
pub fn now() -> DateTime<Utc> {
    to_chrono(BsonDateTime::now())
}

/// Parses an ObjectId hex string; `None` for anything malformed.
pub fn object_id(id: &str) -> Option<ObjectId> {
    ObjectId::parse_str(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_survives_the_round_trip_to_the_millisecond() {
        let t = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap_or_default();
        assert_eq!(to_chrono(to_bson(t)), t);
        assert_eq!(now().timestamp_subsec_nanos() % 1_000_000, 0);
    }

    #[test]
    fn only_a_well_formed_object_id_parses() {
        assert!(object_id("65f0a1b2c3d4e5f601234567").is_some());
        assert!(object_id("not-an-id").is_none());
    }
}
